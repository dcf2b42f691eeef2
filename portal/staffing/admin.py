"""Operators maintain skills, roles, rate cards and profiles in the admin."""

from __future__ import annotations

from django.contrib import admin

from portal.staffing.models import (
    ConsultantProfile,
    ConsultantSkill,
    JobRole,
    RateCard,
    Skill,
    UnitStaffingSettings,
)


class ConsultantSkillInline(admin.TabularInline):
    model = ConsultantSkill
    extra = 1


@admin.register(ConsultantProfile)
class ConsultantProfileAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "job_role",
        "business_unit",
        "utilisation_target_pct",
        "utilisation_ceiling_pct",
        "is_active",
    ]
    list_filter = ["job_role", "business_unit", "is_active"]
    search_fields = ["name"]
    raw_id_fields = ["employee", "user"]
    inlines = [ConsultantSkillInline]


@admin.register(RateCard)
class RateCardAdmin(admin.ModelAdmin):
    list_display = [
        "job_role",
        "currency",
        "bill_rate",
        "cost_rate",
        "valid_from",
        "valid_to",
        "client_partner_id",
    ]
    list_filter = ["job_role", "currency"]


admin.site.register(JobRole)
admin.site.register(Skill)
admin.site.register(UnitStaffingSettings)
