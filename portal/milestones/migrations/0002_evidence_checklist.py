"""The default evidence checklist: what each contract type needs before it is ready.

Fixed fee needs a signed acceptance document; time and materials a timesheet report;
a retainer needs nothing. Operators change the checklist in the admin.
"""

from django.db import migrations

SLOTS = [
    ("deliverable", "Deliverable", 10),
    ("acceptance_document", "Signed acceptance document", 20),
    ("test_report", "Test report", 30),
    ("timesheet_report", "Timesheet report", 40),
    ("other", "Other document", 90),
]
REQUIREMENTS = [
    ("fixed_fee", "acceptance_document"),
    ("time_and_materials", "timesheet_report"),
]


def seed(apps, schema_editor):
    Slot = apps.get_model("milestones", "EvidenceSlot")
    Requirement = apps.get_model("milestones", "EvidenceRequirement")
    for key, label, order in SLOTS:
        Slot.objects.update_or_create(key=key, defaults={"label": label, "order": order})
    for contract_type, slot in REQUIREMENTS:
        Requirement.objects.get_or_create(contract_type=contract_type, slot_id=slot)


def unseed(apps, schema_editor):
    apps.get_model("milestones", "EvidenceRequirement").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("milestones", "0001_milestone_records_evidence_signoffs")]

    operations = [migrations.RunPython(seed, unseed)]
