"""The upload form of the tariff import."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnership import formats
from partnership.forms import PortalForm

from . import importer

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # 20,000 rows of the template take about 2,5 MB
MAX_UPLOAD_MB = MAX_UPLOAD_BYTES // (1024 * 1024)


EXTENSIONS = (".csv", ".xlsx")


class TariffImportForm(PortalForm):
    file = forms.FileField(
        label=gettext_lazy("Fil med takster"),
        help_text=gettext_lazy(
            "CSV- eller Excel-fil (.csv eller .xlsx), højst 10 MB. Flere tillægsydelser til "
            "en takst: én række pr. tillægsydelse. Tom «tillæg_handling» beholder takstens "
            "tillægsydelser, og tom «overhead» beholder overhead (se vejledningen nedenfor)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
        error_messages={
            "required": gettext_lazy("Vælg filen med takster."),
            "empty": gettext_lazy("Filen er tom."),
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith(EXTENSIONS):
            raise forms.ValidationError(
                _("Vælg en CSV- eller Excel-fil (.csv eller .xlsx)."), code="extension"
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("Filen er for stor (%(size)s MB). Den må højst fylde %(max)s MB.")
                % {"size": formats.number(upload.size / 1024 / 1024, 1), "max": MAX_UPLOAD_MB},
                code="size",
            )
        data = upload.read()
        if name.endswith(".xlsx") and not importer.is_xlsx(data):
            raise forms.ValidationError(
                _(
                    "Filen hedder .xlsx, men er ikke en Excel-fil. Gem den igen fra Excel som "
                    "«Excel-projektmappe (.xlsx)»."
                ),
                code="content",
            )
        if name.endswith(".csv") and importer.is_xlsx(data):
            raise forms.ValidationError(
                _(
                    "Filen hedder .csv, men er en Excel-fil. Omdøb den til .xlsx, eller gem den som CSV."
                ),
                code="content",
            )
        self.data_bytes = data
        return upload
