from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Invitation, Membership, OutboxEmail, Partner, User
from .services import partner_withdraw


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "language")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password", "language")}),
        ("Person", {"fields": ("first_name", "last_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


class PartnerAdminForm(forms.ModelForm):
    class Meta:
        model = Partner
        fields = "__all__"  # noqa: DJ007 - the admin's own field list decides

    def clean_status(self):
        status = self.cleaned_data["status"]
        before = self.instance.status if self.instance.pk else None
        if status == Partner.Status.WITHDRAWN and before not in (
            Partner.Status.WITHDRAWN,
            Partner.Status.APPROVED,
            Partner.Status.PENDING,
        ):
            raise forms.ValidationError(_("Only a participating company can withdraw."))
        return status


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    form = PartnerAdminForm
    list_display = ("name", "partner_id", "customer_number", "status", "league", "pseudonym")
    list_filter = ("season", "status", "league")
    search_fields = ("name", "partner_id", "customer_number")
    readonly_fields = ("pseudonym_number", "withdrawn_at", "withdrawn_by")
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        # A withdrawal (a letter staff record here) goes through the one service that records it.
        withdraw = (
            change and "status" in form.changed_data and obj.status == Partner.Status.WITHDRAWN
        )
        if withdraw:
            obj.status = form.initial["status"]
        super().save_model(request, obj, form, change)
        if withdraw:
            withdrawn = partner_withdraw(partner=obj, actor=request.user)
            obj.status, obj.withdrawn_at = withdrawn.status, withdrawn.withdrawn_at
            obj.withdrawn_by = withdrawn.withdrawn_by


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "partner", "created_at", "accepted_at", "revoked_at")


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    """What was sent, what waits and why (the sweep sends it again); never edited by hand."""

    list_display = ("created_at", "to", "subject", "sent_at", "attempts", "last_error")
    list_filter = (("sent_at", admin.EmptyFieldListFilter),)
    search_fields = ("to", "subject")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
