"""Find CPR numbers in every stored text: `manage.py scan_cpr` lists each row and column
(with the number masked); `--fail` exits with status 1 when anything is found, for a
scheduled check. The secretariat takes a number out on the page *CPR-numre*
(/sekretariat/cpr/), which records who did it."""

from django.core.management.base import BaseCommand, CommandError

from partnership.redaction import scan_cpr


class Command(BaseCommand):
    help = "Find CPR-like text in every text column (the number is masked in the output)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--fail", action="store_true", help="Exit with status 1 when a CPR number is found."
        )

    def handle(self, *args, fail: bool = False, **options):
        findings = scan_cpr()
        for finding in findings:
            self.stdout.write(
                f"{finding.model_label} pk={finding.pk} {finding.field_name}: {finding.masked}"
            )
        self.stdout.write(f"{len(findings)} tekst(er) med CPR-nummer fundet.")
        if findings and fail:
            raise CommandError("CPR-numre fundet: fjern dem under Sekretariat → CPR-numre.")
