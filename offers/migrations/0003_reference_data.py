"""The reference data every installation starts with. The secretariat extends it."""

from django.db import migrations

PARAGRAPHS = [
    ("SEL § 85", "§ 85", "Socialpædagogisk støtte"),
    ("SEL § 101", "§ 101", "Behandling af stofmisbrug"),
    ("SEL § 103", "§ 103", "Beskyttet beskæftigelse"),
    ("SEL § 104", "§ 104", "Aktivitets- og samværstilbud"),
    ("SEL § 107", "§ 107", "Midlertidigt botilbud"),
    ("SEL § 108", "§ 108", "Længerevarende botilbud"),
    ("SEL § 109", "§ 109", "Krisecentre"),
    ("SEL § 110", "§ 110", "Forsorgshjem og herberger"),
    ("Barnets lov", "Barnets lov", "Anbringelse og støtte til børn og unge"),
    ("ABL § 105", "ABL § 105", "Almene ældre- og handicapboliger (botilbudslignende)"),
]

TARGET_GROUPS = [
    ("Udviklingshæmning", "udviklingshaemning"),
    ("Autisme", "autisme"),
    ("Sindslidelse", "sindslidelse"),
    ("Erhvervet hjerneskade", "erhvervet-hjerneskade"),
    ("Fysisk funktionsnedsættelse", "fysisk-funktionsnedsaettelse"),
    ("Misbrug", "misbrug"),
    ("Hjemløshed", "hjemloeshed"),
    ("ADHD", "adhd"),
    ("Dobbeltdiagnose", "dobbeltdiagnose"),
    ("Spiseforstyrrelse", "spiseforstyrrelse"),
    ("Personlighedsforstyrrelse", "personlighedsforstyrrelse"),
    ("Omsorgssvigt", "omsorgssvigt"),
    ("Kriminalitetstruede unge", "kriminalitetstruede-unge"),
    ("Vold i nære relationer", "vold-i-naere-relationer"),
    ("Multihandicap", "multihandicap"),
]

QUESTIONS = [
    ("vaagen-nattevagt", "Bemanding", "Vågen nattevagt", "Er der personale, der er vågent hele natten?"),
    ("sovende-nattevagt", "Bemanding", "Sovende nattevagt", "Er der personale, der sover på stedet og kan vækkes?"),
    ("kontakt-doegnet-rundt", "Kontakt", "Kontakt til personale døgnet rundt", ""),
    ("kontakt-dagtimer", "Kontakt", "Kontakt til personale i dagtimerne", ""),
    ("forsvinding", "Kontakt", "Opfølgning, hvis en ung stikker af", "Eftersøgning, kontakt til politi og forældre, og hvem der gør det."),
    ("transport", "Praktisk", "Transport til skole, arbejde og behandling", ""),
    ("fritid", "Praktisk", "Fritidsaktiviteter", ""),
    ("kost", "Praktisk", "Kost og måltider", ""),
    ("ferie", "Praktisk", "Ferie og udflugter", ""),
    ("medicin", "Sundhed og behandling", "Medicinhåndtering", "Opbevaring, dosering og udlevering af medicin."),
    ("sygepleje", "Sundhed og behandling", "Sundhedsfaglig støtte (sygeplejerske)", ""),
    ("terapi", "Sundhed og behandling", "Psykolog og terapi", ""),
    ("misbrugsbehandling", "Sundhed og behandling", "Misbrugsbehandling", ""),
    ("uddannelse", "Uddannelse og beskæftigelse", "Støtte til uddannelse og beskæftigelse", ""),
    ("paaroerende", "Samarbejde", "Samarbejde med pårørende", ""),
    ("en-til-en", "Samarbejde", "Individuel støtte 1:1 ud over normeringen", ""),
]


def forward(apps, schema_editor):
    LegalParagraph = apps.get_model("offers", "LegalParagraph")
    TargetGroup = apps.get_model("offers", "TargetGroup")
    DeclarationQuestion = apps.get_model("offers", "DeclarationQuestion")
    for i, (code, short, title) in enumerate(PARAGRAPHS):
        LegalParagraph.objects.update_or_create(code=code, defaults={"short": short, "title": title, "order": i * 10})
    for i, (name, slug) in enumerate(TARGET_GROUPS):
        TargetGroup.objects.update_or_create(slug=slug, defaults={"name": name, "order": i * 10})
    for i, (key, group, text, help_text) in enumerate(QUESTIONS):
        DeclarationQuestion.objects.update_or_create(
            key=key, defaults={"group": group, "text": text, "help_text": help_text, "order": i * 10}
        )


class Migration(migrations.Migration):
    dependencies = [("offers", "0002_tariff_immutability_and_search_index")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
