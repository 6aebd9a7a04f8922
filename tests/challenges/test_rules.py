"""The points rules, hammered: pure tests of challenges.rules, and random sequences of submissions,
decisions and revocations run through the real services on the database, checked against a small
reference model and against the ledger invariants of SPEC section 3.
"""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from challenges import rules
from challenges.models import Challenge, Claim, LedgerEntry
from challenges.services.claims import (
    ClaimData,
    claim_answer,
    claim_approve,
    claim_ask,
    claim_reject,
    claim_revoke,
    claim_submit,
    claim_withdraw,
)
from challenges.services.disqualification import partner_disqualify
from core.errors import DomainError
from partners.models import EndCustomer, Membership, Partner, User
from tests.factories import (
    ClaimFactory,
    EndCustomerFactory,
    MembershipFactory,
    PartnerFactory,
    SeasonFactory,
    UserFactory,
)

BONUS_POINTS = 200
CODES = [
    "sql_lead",
    "sales_meeting",
    "presales_sizing",
    "new_customer",
    "svc_security",
    "svc_analytics_ai",
    "svc_databases",
    "svc_avd",
]

# --- Pure rules ----------------------------------------------------------------------------------

rule_strategy = st.builds(
    rules.ChallengeRule,
    code=st.sampled_from(CODES + ["academy"]),
    points=st.integers(0, 500),
    counted_at_most=st.sampled_from([rules.PER_PARTNER, rules.PER_CUSTOMER]),
    automatic=st.booleans(),
)
keys = st.one_of(st.just(rules.PARTNER_KEY), st.integers(1, 20).map(lambda n: f"customer:{n}"))


@given(rule=rule_strategy, customer_id=st.one_of(st.none(), st.integers(1, 10**9)))
def test_count_key_is_the_partner_or_the_customer(rule, customer_id):
    if rule.counted_at_most == rules.PER_PARTNER:
        assert rules.count_key(rule, customer_id) == rules.PARTNER_KEY
    elif customer_id is None:
        with pytest.raises(rules.RuleBroken, match="needs an end customer"):
            rules.count_key(rule, customer_id)
    else:
        assert rules.count_key(rule, customer_id) == f"customer:{customer_id}"


def test_count_key_separates_customers():
    rule = rules.ChallengeRule("sales_meeting", 50, rules.PER_CUSTOMER)
    assert rules.count_key(rule, 1) != rules.count_key(rule, 11)


@given(rule=rule_strategy, key=keys, counted=st.lists(keys, max_size=8))
def test_check_countable_refuses_exactly_what_has_counted(rule, key, counted):
    refused = rule.automatic or key in counted
    if refused:
        with pytest.raises(rules.RuleBroken):
            rules.check_countable(rule, key, iter(counted))  # any iterable, read once
    else:
        rules.check_countable(rule, key, iter(counted))


@given(confirmed=st.fixed_dictionaries({c: st.booleans() for c in rules.BANT}))
def test_check_bant_needs_all_four_and_names_the_missing(confirmed):
    missing = [c for c in rules.BANT if not confirmed[c]]
    if not missing:
        rules.check_bant(confirmed)
        return
    with pytest.raises(rules.RuleBroken) as exc:
        rules.check_bant(confirmed)
    for criterion in missing:
        assert criterion in str(exc.value)


def test_check_bant_treats_absent_criteria_as_unconfirmed():
    with pytest.raises(rules.RuleBroken, match="time"):
        rules.check_bant({"budget": True, "authority": True, "need": True})


@given(
    approved_counts=st.lists(st.integers(0, 5), min_size=1, max_size=30),
    bonus=st.integers(1, 1000),
)
def test_bonus_is_held_exactly_while_a_new_customer_is_approved(approved_counts, bonus):
    held = 0
    for n in approved_counts:
        change = rules.bonus_change(n, held, bonus)
        assert change in (-bonus, 0, bonus)
        held += change
        assert held == (bonus if n > 0 else 0)


@given(
    entries=st.lists(
        st.builds(
            rules.Entry,
            partner_id=st.integers(1, 3),
            code=st.sampled_from(CODES),
            points=st.integers(-500, 500),
        ),
        max_size=30,
    )
)
def test_ledger_total_sums_one_partner(entries):
    assert sum(rules.ledger_total(entries, p) for p in (1, 2, 3)) == sum(e.points for e in entries)
    assert rules.ledger_total(entries, 4) == 0


# --- The services, driven by random operation sequences -----------------------------------------

# Weighted by repetition: mostly submissions and approvals, now and then a disqualification (which
# ends a partner's part in the sequence). "race_submit" is a claim that got past submission
# concurrently with another one for the same customer: only the approval's second check (and the
# unique constraint) stands in its way.
KINDS = (
    ["submit"] * 6
    + ["race_submit"] * 2
    + ["approve"] * 8
    + ["revoke"] * 3
    + ["reject", "ask", "answer", "withdraw"] * 2
    + ["disqualify"]
)
# (kind, partner, customer, challenge code, claim): each kind reads the fields it needs.
operation = st.tuples(
    st.sampled_from(KINDS),
    st.integers(0, 1),
    st.integers(0, 2),
    # new_customer more often than the others: it drives the first-customer bonus.
    st.sampled_from([rules.NEW_CUSTOMER_CODE] * 4 + CODES),
    st.integers(0, 30),
)

OPEN = {Claim.Status.SUBMITTED, Claim.Status.NEEDS_INFO}


class ClaimSequenceTests(TestCase):
    """Each example runs in its own transaction, rolled back afterwards (hypothesis' TestCase);
    the world of setUpTestData is shared: one season, two partners with three customers each."""

    @classmethod
    def setUpTestData(cls):
        season = SeasonFactory()
        cls.staff_pk = UserFactory(is_staff=True, password=None).pk
        cls.membership_pks = []
        cls.customer_pks = []
        for _ in range(2):
            partner = PartnerFactory(season=season)
            cls.membership_pks.append(
                MembershipFactory(partner=partner, user=UserFactory(password=None)).pk
            )
            cls.customer_pks.append([EndCustomerFactory(partner=partner).pk for _ in range(3)])
        cls.activity = season.start_date + timedelta(days=1)
        cls.points = dict(Challenge.objects.filter(season=season).values_list("code", "points"))

    def _world(self):
        memberships = [
            Membership.objects.select_related("partner__season", "user").get(pk=pk)
            for pk in self.membership_pks
        ]
        customers = [[EndCustomer.objects.get(pk=pk) for pk in pks] for pks in self.customer_pks]
        return memberships, customers, User.objects.get(pk=self.staff_pk)

    def _data(self):
        return ClaimData(
            activity_date=self.activity,
            meeting_date=self.activity,
            distributor_contact="Ingrid Sales",
            subscription_id="3f2504e0-4f89-11d3-9a0c-0305e82c3301",
            bant_budget=True,
            bant_authority=True,
            bant_need=True,
            bant_time=True,
        )

    def _ledger(self):
        return list(
            LedgerEntry.objects.order_by("pk").values_list(
                "pk", "partner_id", "claim_id", "kind", "points", "created_at"
            )
        )

    def _expected_ok(self, op, claims, partners_status) -> bool:
        """The reference model: whether the service must accept the operation."""
        kind, p, c, code, i = op
        if kind == "race_submit":
            return True
        if kind == "submit":
            if partners_status[p] != Partner.Status.APPROVED:
                return False
            key = f"customer:{self.customer_pks[p][c]}"
            return not any(
                cl.partner_id == self._partners[p]
                and cl.challenge.code == code
                and cl.count_key == key
                and cl.status in (OPEN | {Claim.Status.APPROVED})
                for cl in claims
            )
        if kind == "disqualify":
            return partners_status[p] != Partner.Status.DISQUALIFIED
        claim = claims[i % len(claims)]
        if kind == "approve":
            p = self._partners.index(claim.partner_id)
            return (
                claim.status in OPEN
                and partners_status[p] == Partner.Status.APPROVED
                and not any(
                    other.pk != claim.pk
                    and other.partner_id == claim.partner_id
                    and other.challenge_id == claim.challenge_id
                    and other.count_key == claim.count_key
                    and other.status == Claim.Status.APPROVED
                    for other in claims
                )
            )
        if kind in ("reject", "withdraw"):
            return claim.status in OPEN
        if kind == "ask":
            return claim.status == Claim.Status.SUBMITTED
        if kind == "answer":
            return claim.status == Claim.Status.NEEDS_INFO
        if kind == "revoke":
            return claim.status == Claim.Status.APPROVED
        raise AssertionError(kind)

    def _run(self, op, memberships, customers, staff, claim_pks):
        kind, p, c, code, i = op
        if kind == "submit":
            claim = claim_submit(
                membership=memberships[p],
                challenge_code=code,
                customer=customers[p][c],
                data=self._data(),
            )
            claim_pks.append(claim.pk)
            return
        if kind == "race_submit":
            claim_pks.append(ClaimFactory(customer=customers[p][c], code=code).pk)
            return
        if kind == "disqualify":
            partner_disqualify(partner=memberships[p].partner, reviewer=staff, reason="Verstoß")
            return
        claim = Claim.objects.get(pk=claim_pks[i % len(claim_pks)])
        membership = memberships[self._partners.index(claim.partner_id)]
        if kind == "approve":
            claim_approve(claim=claim, reviewer=staff)
        elif kind == "reject":
            claim_reject(claim=claim, reviewer=staff, reason="Nachweis fehlt")
        elif kind == "ask":
            claim_ask(claim=claim, reviewer=staff, question="Welches Datum?")
        elif kind == "answer":
            claim_answer(claim=claim, membership=membership, answer="Der 3. März.")
        elif kind == "withdraw":
            claim_withdraw(claim=claim, membership=membership)
        elif kind == "revoke":
            claim_revoke(claim=claim, reviewer=staff, reason="Doppelt gemeldet")

    def _check_invariants(self):
        for partner_pk in self._partners:
            approved = list(
                Claim.objects.filter(
                    partner_id=partner_pk, status=Claim.Status.APPROVED
                ).select_related("challenge")
            )
            expected = sum(self.points[c.challenge.code] for c in approved)
            if any(c.challenge.code == rules.NEW_CUSTOMER_CODE for c in approved):
                expected += BONUS_POINTS
            total = sum(
                LedgerEntry.objects.filter(partner_id=partner_pk).values_list("points", flat=True)
            )
            assert total == expected, (partner_pk, total, expected)
            keys = [(c.challenge_id, c.count_key) for c in approved]
            assert len(keys) == len(set(keys)), "counted at most was exceeded"
            # Each approved claim carries exactly its grant; nothing else is net positive.
            for claim in approved:
                grant = LedgerEntry.objects.filter(claim=claim, kind=LedgerEntry.Kind.GRANT)
                assert [e.points for e in grant] == [self.points[claim.challenge.code]]

    @settings(
        max_examples=100,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(ops=st.lists(operation, min_size=4, max_size=30))
    def test_any_sequence_keeps_the_ledger_right(self, ops):
        self._play(ops)

    @settings(
        max_examples=40,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        ops=st.lists(
            st.tuples(
                st.sampled_from(["submit", "submit", "approve", "approve", "revoke"]),
                st.integers(0, 1),
                st.integers(0, 2),
                st.just(rules.NEW_CUSTOMER_CODE),
                st.integers(0, 30),
            ),
            min_size=4,
            max_size=20,
        )
    )
    def test_first_customer_bonus_follows_new_customer_approvals(self, ops):
        self._play(ops)

    def _play(self, ops):
        memberships, customers, staff = self._world()
        self._partners = [m.partner_id for m in memberships]
        claim_pks: list[int] = []
        ledger = self._ledger()
        for op in ops:
            if op[0] not in ("submit", "race_submit", "disqualify") and not claim_pks:
                continue
            claims = list(Claim.objects.filter(pk__in=claim_pks).select_related("challenge"))
            claims.sort(key=lambda cl: claim_pks.index(cl.pk))
            status = [Partner.objects.get(pk=pk).status for pk in self._partners]
            expected_ok = self._expected_ok(op, claims, status)
            try:
                self._run(op, memberships, customers, staff, claim_pks)
                ok = True
            except DomainError:
                ok = False
            assert ok == expected_ok, (op, [(c.pk, c.challenge.code, c.status) for c in claims])
            event(f"{op[0]} {'accepted' if ok else 'refused'}")  # --hypothesis-show-statistics
            after = self._ledger()
            assert after[: len(ledger)] == ledger, "a ledger entry was changed or deleted"
            ledger = after
            self._check_invariants()
        for kind in sorted({entry[3] for entry in ledger}):
            event(f"ledger has {kind}")
