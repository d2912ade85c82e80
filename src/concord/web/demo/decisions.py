"""Synthetic shared decisions for the demo clinic.

Deterministic: everything is relative to ``today`` (times from
:func:`concord.web.demo.clock.demo_now`). ``patient1`` (anxiety, on sertraline) decided with
the psychiatrist to start sertraline after a week to think it over (three versions: the last
written by the patient in the portal), and agreed with the psychotherapist how often to
meet — a decision now overdue for revisit. ``patient2`` (low back pain) chose physiotherapy
over an injection; a patient with depression has a deferred decision about switching
antidepressants, due for revisit within days.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from concord.web.accounts.models import User
from concord.web.clinic.models import CareEpisode, EpisodeStatus
from concord.web.decisions.drafts import DecisionDraft, OptionDraft, ParticipantDraft
from concord.web.decisions.models import DecisionStatus, ParticipantRole, SharedDecision
from concord.web.decisions.services import write_version
from concord.web.demo.clock import demo_now
from concord.web.medications.models import MedicationRegimen

ANTIDEPRESSANT_OPTIONS = (
    OptionDraft(
        "Start sertraline",
        "About half of people with anxiety feel clearly better within 6 to 12 weeks. "
        "It can help sleep and worry at the same time.",
        "Feeling sick, poor sleep or feeling restless in the first 2 weeks; less interest in "
        "sex for some people.",
        "A tablet every day for at least 6 months; a review after 4 weeks.",
        "Clinic leaflet 'Why you are taking sertraline'",
    ),
    OptionDraft(
        "Talking therapy on its own first",
        "Works as well as medicine for many people with anxiety, and the skills last.",
        "It takes longer to help; it can feel hard to face worries at first.",
        "One session a week for about 12 weeks, plus practice at home.",
        "",
    ),
    OptionDraft(
        "Wait and review in 4 weeks",
        "No side effects; time to think and to see if things settle.",
        "The worry and poor sleep may go on, or get worse.",
        "",
        "",
    ),
)

THERAPY_OPTIONS = (
    OptionDraft(
        "Every week",
        "Faster progress; easier to keep the thread between sessions.",
        "",
        "An hour a week plus travel; harder to fit around work.",
        "",
    ),
    OptionDraft(
        "Every two weeks",
        "Time to practise between sessions; easier to fit around work.",
        "Slower progress; more to catch up on at each session.",
        "An hour every two weeks plus practice at home.",
        "",
    ),
    OptionDraft(
        "Once a month, with phone check-ins",
        "Least time away from work.",
        "Too little contact while things are still hard.",
        "Short phone calls in between.",
        "",
    ),
)

BACK_OPTIONS = (
    OptionDraft(
        "Physiotherapy exercise programme",
        "Most people have less pain and move better within 6 to 12 weeks; it lowers the "
        "chance of the pain coming back.",
        "Muscles may ache for a day or two after exercise at first.",
        "Exercises at home most days and a visit every two weeks for about 3 months.",
        "NICE guideline NG59 patient decision aid (paraphrased)",
    ),
    OptionDraft(
        "Steroid injection",
        "Can ease leg pain quickly for some weeks.",
        "Does not help most back pain without leg pain; small risk of infection or a headache.",
        "A hospital visit; the effect often wears off.",
        "",
    ),
    OptionDraft(
        "Keep active and wait",
        "Back pain often settles on its own within weeks; no visits needed.",
        "The pain may last longer without a plan.",
        "",
        "",
    ),
)

SWITCH_OPTIONS = (
    OptionDraft(
        "Stay on sertraline at a higher dose",
        "No switch to go through; a higher dose helps some people.",
        "Side effects may increase for a while.",
        "Blood pressure and a check-in after 2 weeks.",
        "",
    ),
    OptionDraft(
        "Switch to mirtazapine",
        "Can help sleep and appetite; fewer sexual side effects.",
        "Drowsiness and weight gain are common.",
        "Two weeks of overlap and a closer watch while switching.",
        "",
    ),
    OptionDraft(
        "Stay as I am and add talking therapy",
        "No change of medicine; therapy helps many people with depression.",
        "It takes weeks to help; a waiting list of about a month.",
        "A weekly session for about 16 weeks.",
        "",
    ),
)


def _active_episode(**filters: object) -> CareEpisode | None:
    return (
        CareEpisode.objects.filter(status=EpisodeStatus.ACTIVE, **filters)
        .select_related("patient__account", "lead_clinician")
        .order_by("patient_id", "pk")
        .first()
    )


def _patient_participant(episode: CareEpisode) -> ParticipantDraft:
    patient = episode.patient
    return ParticipantDraft(str(patient), ParticipantRole.PATIENT, patient.account_id)


def _clinician(user: User) -> ParticipantDraft:
    return ParticipantDraft(str(user), ParticipantRole.CLINICIAN, user.pk)


def _record(
    episode: CareEpisode, versions: list[tuple[DecisionDraft, User, datetime]]
) -> SharedDecision:
    decision = SharedDecision.objects.create(
        episode=episode, created_at=versions[0][2], created_by=versions[0][1]
    )
    for number, (draft, by, at) in enumerate(versions, start=1):
        write_version(decision, draft, number=number, by=by, at=at)
    return decision


def build_demo_decisions(today: date, users: dict[str, User], seed: int) -> None:
    """Add the demo clinic's shared decisions (seed unused: nothing here is random)."""
    now = demo_now(today)
    days = timedelta(days=1)
    psychiatrist, therapist = users["dr.okafor"], users["sam.rivera"]

    first = _active_episode(patient__account=users.get("patient1"))
    if first is not None:
        patient = _patient_participant(first)
        family = ParticipantDraft("Jo Abara (daughter)", ParticipantRole.SUPPORTER, None)
        people: tuple[ParticipantDraft, ...] = (patient, _clinician(psychiatrist), family)
        if first.patient.interpreter_needed:
            people += (ParticipantDraft("Lucía Fernández", ParticipantRole.INTERPRETER, None),)
        deferred = DecisionDraft(
            question="Should I start a medicine for my anxiety now, or try talking therapy "
            "on its own first?",
            context="Worry most of the day for five months; sleeping badly; off work for three "
            "weeks.",
            options=ANTIDEPRESSANT_OPTIONS,
            what_matters="Being able to go back to work and sleep through the night.",
            preferred_option=None,
            preference_words="I want to talk it over with my daughter first.",
            status=DecisionStatus.DEFERRED,
            chosen_option=None,
            participants=people,
            revisit_on=(now - 63 * days).date(),
        )
        decided = replace(
            deferred,
            preferred_option=1,
            preference_words="I would like to try the tablet, and keep seeing Sam.",
            status=DecisionStatus.DECIDED,
            chosen_option=1,
            revisit_on=today + 24 * days,
            change_note="Decided together a week later, after talking it over at home.",
        )
        in_own_words = replace(
            decided,
            what_matters="Going back to work, sleeping, and not feeling numb.",
            preference_words="I want to keep going with the tablets for now, but not forever.",
            change_note="",
        )
        _record(
            first,
            [
                (deferred, psychiatrist, now - 70 * days),
                (decided, psychiatrist, now - 63 * days),
                (in_own_words, first.patient.account or psychiatrist, now - 10 * days),
            ],
        )
        therapy = DecisionDraft(
            question="How often should we meet for therapy?",
            context="Back at work part-time from next month.",
            options=THERAPY_OPTIONS,
            what_matters="Keeping my new job while I get better.",
            preferred_option=2,
            preference_words="",
            status=DecisionStatus.DECIDED,
            chosen_option=2,
            participants=(patient, _clinician(therapist)),
            revisit_on=today - 5 * days,  # overdue: the patient page says so
        )
        _record(first, [(therapy, therapist, now - 40 * days)])

    back = _active_episode(patient__account=users.get("patient2"))
    if back is not None:
        physio = users["lena.fischer"]
        choice = DecisionDraft(
            question="Physiotherapy exercises or a steroid injection for my back pain?",
            context="Low back pain for eight weeks, no pain down the legs.",
            options=BACK_OPTIONS,
            what_matters="Lifting my grandchildren and getting back to the allotment.",
            preferred_option=None,
            preference_words="",
            status=DecisionStatus.DEFERRED,
            chosen_option=None,
            participants=(_patient_participant(back), _clinician(physio)),
            revisit_on=(now - 14 * days).date(),
        )
        chosen = replace(
            choice,
            preferred_option=1,
            status=DecisionStatus.DECIDED,
            chosen_option=1,
            revisit_on=today + 42 * days,
            change_note="Chose the exercise programme after reading the decision aid at home.",
        )
        _record(back, [(choice, physio, now - 21 * days), (chosen, physio, now - 14 * days)])

    on_sertraline = MedicationRegimen.objects.filter(
        atc_code="N06AB06", ended_on__isnull=True
    ).values_list("episode_id", flat=True)
    depression = _active_episode(
        reason="Depression", pk__in=list(on_sertraline), team__name="Mood and anxiety team"
    )
    if depression is not None:
        switch = DecisionDraft(
            question="My mood has not lifted after 10 weeks on sertraline. Should we change "
            "something?",
            context="Some benefit for sleep; mood still low most days.",
            options=SWITCH_OPTIONS,
            what_matters="Not putting on weight; being there for my children.",
            preferred_option=None,
            preference_words="I need to think about it.",
            status=DecisionStatus.DEFERRED,
            chosen_option=None,
            participants=(_patient_participant(depression), _clinician(psychiatrist)),
            revisit_on=today + 5 * days,  # due soon
        )
        _record(depression, [(switch, psychiatrist, now - 9 * days)])
