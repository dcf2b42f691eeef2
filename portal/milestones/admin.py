from __future__ import annotations

from django.contrib import admin

from portal.milestones.models import EvidenceRequirement, EvidenceSlot


@admin.register(EvidenceSlot)
class EvidenceSlotAdmin(admin.ModelAdmin):
    list_display = ("key", "label", "order")


@admin.register(EvidenceRequirement)
class EvidenceRequirementAdmin(admin.ModelAdmin):
    list_display = ("contract_type", "slot")
    list_filter = ("contract_type",)
