import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who logs in by e-mail: a partner user or a member of the distributor's staff."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.get_full_name() or self.email


class PartnerQuerySet(models.QuerySet):
    def lock(self, pk: int) -> "Partner":
        """The partner's row, locked until the transaction ends: serialises the writes of one
        partner (claims, points, credits, status). FOR NO KEY UPDATE, since none of them changes
        the key: rows that merely refer to the partner (a billing import's usage sources, say) can
        still be inserted by other transactions meanwhile."""
        return self.select_for_update(no_key=True).get(pk=pk)

    def approved(self):
        return self.filter(status=Partner.Status.APPROVED)


class Partner(models.Model):
    """A reseller company taking part in one season: the tenant."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending review")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")
        DISQUALIFIED = "disqualified", _("disqualified")

    season = models.ForeignKey("seasons.Season", on_delete=models.PROTECT, related_name="partners")
    league = models.ForeignKey(
        "seasons.League", on_delete=models.PROTECT, null=True, blank=True, related_name="partners"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    name = models.CharField(_("company name"), max_length=200)
    customer_number = models.CharField(_("Ingram Micro customer number"), max_length=40)
    partner_id = models.CharField(_("Microsoft partner ID (MPN ID)"), max_length=20)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="DE")
    # The buyer's VAT ID on credit notes (partners.vat checks it); empty where the company has none.
    vat_id = models.CharField(_("VAT ID (USt-IdNr.)"), max_length=20, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    pseudonym_number = models.PositiveIntegerField(_("pseudonym number"), null=True, blank=True)

    employer_approval_at = models.DateTimeField(_("employer's approval confirmed"), null=True)
    terms_accepted_at = models.DateTimeField(_("terms accepted"), null=True)
    privacy_accepted_at = models.DateTimeField(_("data processing accepted"), null=True)

    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    # Terms 3.1: a withdrawal (in the portal, or by letter recorded by staff); see partner_withdraw.
    withdrawn_at = models.DateTimeField(_("withdrawal"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawal recorded by"),
    )

    objects = PartnerQuerySet.as_manager()

    # The address, VAT ID and contact: asked at registration, edited by the company admin and by
    # staff; the credit notes go to this address.
    DETAIL_FIELDS = (
        "street",
        "postal_code",
        "city",
        "country",
        "vat_id",
        "contact_name",
        "contact_email",
        "contact_phone",
    )

    class Meta:
        ordering = ["season", "name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [
            models.UniqueConstraint(
                fields=["season", "pseudonym_number"], name="pseudonym_unique_per_season"
            ),
            # A company takes part once per season; a rejected registration may be filed again.
            models.UniqueConstraint(
                fields=["season", "partner_id"],
                condition=~Q(status="rejected"),
                name="partner_id_once_per_season",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(pseudonym_number__isnull=False),
                name="approved_partner_has_pseudonym",
            ),
            # Whatever path sets the status (service, admin), the moment of a withdrawal is known.
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | Q(withdrawn_at__isnull=False),
                name="withdrawn_partner_has_date",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def pseudonym(self) -> str:
        return f"Partner {self.pseudonym_number}" if self.pseudonym_number else ""


class Membership(models.Model):
    """A user's place in a company; one company per user and season."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("company admin")
        MEMBER = "member", _("colleague")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="memberships")
    season = models.ForeignKey("seasons.Season", on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partner", "created_at"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "season"], name="one_company_per_user_season"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.partner}"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


def _new_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """A company admin's invitation of a colleague, accepted by logging in with that e-mail."""

    VALID_DAYS = 14

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(
        _("role"), max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_email",
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.partner}"

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and timezone.now() < self.created_at + timedelta(days=self.VALID_DAYS)
        )


class EndCustomer(models.Model):
    """An end customer a partner reported; it belongs to that partner (SPEC section 3)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="customers")
    season = models.ForeignKey("seasons.Season", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    tenant_id = models.CharField(
        _("Azure tenant ID"),
        max_length=36,
        help_text=_("The Microsoft Entra tenant ID of the end customer (a GUID)."),
    )
    domain = models.CharField(_("domain"), max_length=253, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partner", "name"]
        verbose_name = _("end customer")
        verbose_name_plural = _("end customers")
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "tenant_id"], name="customer_once_per_partner"
            ),
        ]
        indexes = [
            models.Index(fields=["season", "tenant_id"], name="customer_tenant_idx"),
            models.Index(fields=["season", "domain"], name="customer_domain_idx"),
        ]

    def __str__(self):
        return self.name


class CustomerExclusion(models.Model):
    """Staff exclude an end customer (by tenant ID) or a group of them (by domain) — terms 1."""

    class Kind(models.TextChoices):
        TENANT = "tenant", _("Azure tenant ID")
        DOMAIN = "domain", _("domain and its subdomains")

    season = models.ForeignKey("seasons.Season", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    value = models.CharField(_("value"), max_length=253)
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("exclusion")
        verbose_name_plural = _("exclusions")
        constraints = [
            models.UniqueConstraint(fields=["season", "kind", "value"], name="exclusion_once"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.value}"


class OutboxEmail(models.Model):
    """An e-mail to send: written in the transaction of the change that causes it, sent after the
    commit by `partners.notifications.email_deliver`, which claims the row with a conditional
    UPDATE, so a retried or duplicated task sends it once (docs/decisions.md, "Tasks")."""

    to = models.EmailField(_("recipient"))
    subject = models.TextField(_("subject"))
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # While a worker sends it; a claim that has run out (its worker died) may be taken again.
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        indexes = [
            # The sweep's question: what is still unsent?
            models.Index(
                fields=["created_at"], condition=Q(sent_at__isnull=True), name="outbox_unsent_idx"
            ),
        ]

    def __str__(self):
        return f"{self.to}: {self.subject}"
