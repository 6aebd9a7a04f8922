"""The challenge catalogue of the terms (SPEC section 3): the one description of every challenge
and of the Azure services groups.

Pure data, no Django: the migration that creates season 2024/25, `seed_demo` and the tests seed
the `Challenge` rows of a season from it; everything that depends on what a challenge requires
reads its entry here, by code. The claim form (`challenges.forms.claim_spec`), the content check
of the claim services, `import_claims`, the bulk approval of the review queue and the credit rules
(`credits`) derive from these entries, so adding a challenge is one edit here (plus its rows in
the seasons that should offer it: a season's challenges are its own rows, copied season to season).

The lookups (`spec_of`, `claimable_codes`, ...) read `CATALOGUE` when called, not at import, so
a test can add a made-up challenge by patching the tuple.
"""

from dataclasses import dataclass

# How a challenge is earned.
CLAIM = "claim"  # the partner claims it, in the browser or in a row of `import_claims`
GRANT = "grant"  # granted without a claim: the academy attendance staff record, the bonus

# Whether a claim asks for the Azure subscription ID.
REQUIRED = "required"
OPTIONAL = "optional"


@dataclass(frozen=True)
class ServiceGroupSpec:
    """An Azure services group (terms 2.3): the meter categories of the billing map onto it."""

    code: str
    label_de: str
    label_en: str
    earns_credit: bool  # new workloads of the group earn consumption credits (SPEC 5)

    def label(self, language: str | None) -> str:
        return self.label_en if (language or "de").startswith("en") else self.label_de


# In the order of the credit pages, the mapping screen and the database choices.
SERVICE_GROUPS: tuple[ServiceGroupSpec, ...] = (
    ServiceGroupSpec("security", "Security", "Security", earns_credit=True),
    ServiceGroupSpec("databases", "Databases", "Databases", earns_credit=True),
    ServiceGroupSpec("analytics_ai", "Analytics & AI", "Analytics & AI", earns_credit=True),
    # SPEC 5: "`avd` earns points, no credit".
    ServiceGroupSpec("avd", "Azure Virtual Desktop", "Azure Virtual Desktop", earns_credit=False),
)
CREDIT_GROUPS: tuple[str, ...] = tuple(g.code for g in SERVICE_GROUPS if g.earns_credit)


# The fields of an entry that a season's `Challenge` row stores.
CHALLENGE_COLUMNS = (
    "code",
    "title_de",
    "title_en",
    "points",
    "kind",
    "counted_at_most",
    "description_de",
    "description_en",
    "service_group",
)


@dataclass(frozen=True)
class ChallengeSpec:
    code: str
    title_de: str
    title_en: str
    points: int
    kind: str  # one_time | automatic | recurring | service
    counted_at_most: str  # per_partner | per_customer
    description_de: str
    description_en: str
    service_group: str = ""  # the code of its `ServiceGroupSpec` (the `svc_*` challenges)
    # What a claim of it requires:
    earned: str = CLAIM  # CLAIM or GRANT
    needs_bant: bool = False  # all four BANT criteria confirmed
    needs_meeting: bool = False  # the meeting date and the partner's contact at Ingram Micro
    subscription: str = ""  # the Azure subscription ID: REQUIRED, OPTIONAL or "" (not asked)
    evidence: bool = True  # the claim form offers an upload (PDF, PNG, JPEG)
    # Checked against Ingram Micro's own records (its team was in the meeting, the lead is
    # BANT-confirmed): without evidence or a conflict to read, staff may approve it in bulk.
    bulk_approval: bool = False

    @property
    def claimable(self) -> bool:
        return self.earned == CLAIM

    def challenge_fields(self) -> dict:
        """The columns of a season's `Challenge` row seeded from this entry."""
        return {name: getattr(self, name) for name in CHALLENGE_COLUMNS}


CATALOGUE: tuple[ChallengeSpec, ...] = (
    ChallengeSpec(
        "academy",
        "Teilnahme des Partners an der Azure Sales Academy live",
        "Partner attends the Azure Sales Academy live",
        30,
        "one_time",
        "per_partner",
        "Einmal pro Partner und Saison, wenn Ingram Micro die Teilnahme erfasst hat.",
        "Once per partner and season, when Ingram Micro has recorded the attendance.",
        earned=GRANT,
    ),
    ChallengeSpec(
        "first_customer_bonus",
        "Bonus erster neuer Endkunde",
        "Bonus for the first new end customer",
        200,
        "automatic",
        "per_partner",
        "Automatisch, ohne Meldung, sobald der erste neue Endkunde bestätigt ist.",
        "Granted automatically, without a claim, once the first new end customer is approved.",
        earned=GRANT,
    ),
    ChallengeSpec(
        "sql_lead",
        "Nennung eines interessierten neuen Endkunden (Sales Qualified Lead)",
        "Interested new end customer (Sales Qualified Lead)",
        20,
        "recurring",
        "per_customer",
        "Einmal pro Endkunde; alle vier BANT-Kriterien (Budget, Authority, Need, Time) müssen "
        "bestätigt sein.",
        "Once per end customer; all four BANT criteria (Budget, Authority, Need, Time) must be "
        "confirmed.",
        needs_bant=True,
        evidence=False,
        bulk_approval=True,
    ),
    ChallengeSpec(
        "sales_meeting",
        "Virtueller Termin mit dem Sales-Team von Ingram Micro",
        "Virtual meeting with the Ingram Micro sales team",
        50,
        "recurring",
        "per_customer",
        "Ein Termin pro Endkunde wird angerechnet.",
        "One meeting per end customer counts.",
        needs_meeting=True,
        bulk_approval=True,
    ),
    ChallengeSpec(
        "presales_sizing",
        'Virtueller Termin "Sizing and Pricing" mit dem Pre-Sales-Team',
        'Virtual "Sizing and Pricing" meeting with the pre-sales team',
        100,
        "recurring",
        "per_customer",
        "Ein Termin pro Endkunde wird angerechnet.",
        "One meeting per end customer counts.",
        needs_meeting=True,
        bulk_approval=True,
    ),
    ChallengeSpec(
        "new_customer",
        "Neuer Endkunde mit aktiver Subscription im Azure Portal",
        "New end customer with an active subscription in the Azure portal",
        200,
        "recurring",
        "per_customer",
        "Einmal pro Endkunde; der Endkunde muss neu in Azure sein (kein Verbrauch vor der Saison).",
        "Once per end customer; the end customer must be new to Azure (no consumption before the "
        "season).",
        subscription=REQUIRED,
    ),
    ChallengeSpec(
        "svc_security",
        "Azure Services der Azure Services Group Security",
        "Azure services of the Security services group",
        200,
        "service",
        "per_customer",
        "Einmal pro Endkunde, neu oder Bestandskunde.",
        "Once per end customer, new or existing.",
        service_group="security",
        subscription=OPTIONAL,
    ),
    ChallengeSpec(
        "svc_analytics_ai",
        "Azure Services der Azure Services Group Analytics & AI",
        "Azure services of the Analytics & AI services group",
        200,
        "service",
        "per_customer",
        "Einmal pro Endkunde, neu oder Bestandskunde.",
        "Once per end customer, new or existing.",
        service_group="analytics_ai",
        subscription=OPTIONAL,
    ),
    ChallengeSpec(
        "svc_databases",
        "Azure Services der Azure Services Group Databases",
        "Azure services of the Databases services group",
        200,
        "service",
        "per_customer",
        "Einmal pro Endkunde, neu oder Bestandskunde.",
        "Once per end customer, new or existing.",
        service_group="databases",
        subscription=OPTIONAL,
    ),
    ChallengeSpec(
        "svc_avd",
        "Nutzung eines Azure Virtual Desktop",
        "Use of an Azure Virtual Desktop",
        200,
        "service",
        "per_customer",
        "Einmal pro Endkunde; bringt Punkte, keine Gutschrift.",
        "Once per end customer; earns points, no credit.",
        service_group="avd",
        subscription=OPTIONAL,
    ),
)


def spec_of(code: str) -> ChallengeSpec | None:
    """The entry of a challenge code; None for a code the catalogue does not describe."""
    return next((spec for spec in CATALOGUE if spec.code == code), None)


def claimable_codes() -> tuple[str, ...]:
    """The challenges a partner claims (in the browser or with `import_claims`)."""
    return tuple(spec.code for spec in CATALOGUE if spec.claimable)


def bulk_approval_codes() -> tuple[str, ...]:
    return tuple(spec.code for spec in CATALOGUE if spec.bulk_approval)


def service_group(code: str) -> ServiceGroupSpec | None:
    return next((group for group in SERVICE_GROUPS if group.code == code), None)


def credit_workload_codes() -> dict[str, str]:
    """Challenge code → service group, for the groups whose new workloads earn credits."""
    return {
        spec.code: spec.service_group for spec in CATALOGUE if spec.service_group in CREDIT_GROUPS
    }
