"""The demo clinics' community directories: synthetic services with contact details that
reach nobody.

Phone numbers are from the ranges Ofcom keeps for drama and fiction (0113 496 0000–0999,
0808 157 0000–0999, 07700 900000–900999), web and email addresses are under ``.example``
(RFC 2606), and every name is made up.
"""

from __future__ import annotations

from dataclasses import dataclass

from concord.web.barriers.models import ResourceCategory as C


@dataclass(frozen=True)
class DemoResource:
    clinic: str
    name: str
    category: str
    description: str
    phone: str = ""
    email: str = ""
    website: str = ""
    address: str = ""
    area: str = "Riverside"
    opening_hours: str = ""
    languages: str = ",en,"
    eligibility: str = ""
    verified_days_ago: int | None = 60  # None: never checked
    archived: bool = False


MENTAL = "Riverside Mental Health"
REHAB = "Riverside Rehabilitation"
PRIMARY = "Riverside Primary Care"

DIRECTORY = (
    DemoResource(
        MENTAL,
        "Riverside Money Advice Centre",
        C.FINANCIAL,
        "Free, confidential advice on benefits, debts and help with health costs.",
        phone="0113 496 0101",
        email="help@riverside-money.example",
        website="https://riverside-money.example/",
        address="12 Mill Lane\nRiverside RV1 2AB",
        area="Riverside and Eastbank",
        opening_hours="Mon–Fri 09:00–17:00; Wed until 19:00",
        languages=",en,pl,ur,",
        eligibility="Anyone living in Riverside or Eastbank.",
        verified_days_ago=90,
    ),
    DemoResource(
        MENTAL,
        "Eastbank Community Transport",
        C.TRANSPORT,
        "Door-to-door minibus to health appointments for people who cannot use buses.",
        phone="0113 496 0202",
        email="bookings@eastbank-transport.example",
        area="Eastbank",
        opening_hours="Bookings Mon–Fri 08:00–18:00, two working days ahead",
        eligibility="Health or mobility reasons; small charge per journey.",
        verified_days_ago=430,  # over 12 months: flagged for checking
    ),
    DemoResource(
        MENTAL,
        "Open Door Peer Support Group",
        C.PEER_SUPPORT,
        "A weekly group run by people with lived experience of depression and anxiety.",
        email="hello@opendoor-peers.example",
        website="https://opendoor-peers.example/groups",
        address="Riverside Library, Community Room\nRiverside RV1 4CD",
        opening_hours="Thursdays 18:30–20:00",
        languages=",en,es,",
        verified_days_ago=45,
    ),
    DemoResource(
        MENTAL,
        "Riverside Listening Line",
        C.HELPLINE,
        "A free listening line for anyone who is struggling or feels unsafe.",
        phone="0808 157 0123",
        website="https://listening-line.example/",
        opening_hours="Every day, 24 hours",
        languages=",en,ar,ur,",
        verified_days_ago=20,
    ),
    DemoResource(
        MENTAL,
        "Carers Together Riverside",
        C.CARERS,
        "Support, respite breaks and a carers' café for people looking after someone.",
        phone="0113 496 0303",
        email="team@carers-together.example",
        opening_hours="Mon–Thu 10:00–16:00",
        languages=",en,pt,",
        eligibility="Unpaid carers of any age.",
        verified_days_ago=180,
    ),
    DemoResource(
        MENTAL,
        "Language Link Interpreting",
        C.INTERPRETING,
        "Face-to-face, phone and video interpreters, and translation of health letters.",
        phone="0113 496 0404",
        website="https://language-link.example/",
        languages=",ar,es,pl,pt,tr,ur,so,bfi,",
        eligibility="Booked by the clinic; free to patients.",
        verified_days_ago=150,
    ),
    DemoResource(
        MENTAL,
        "Riverside Food Share",
        C.FOOD,
        "Food parcels and a community pantry; no referral letter needed.",
        phone="07700 900123",
        address="St Anne's Hall, Bridge Street\nRiverside RV2 1EF",
        opening_hours="Tue and Fri 10:00–13:00",
        verified_days_ago=None,  # never checked: flagged
    ),
    DemoResource(
        MENTAL,
        "Northside Bus Pass Scheme",
        C.TRANSPORT,
        "Discounted bus passes for health appointments (the scheme closed this year).",
        phone="0113 496 0505",
        verified_days_ago=400,
        archived=True,
    ),
    DemoResource(
        REHAB,
        "Move Well Walking Group",
        C.EXERCISE,
        "Gentle, led walks of 30–60 minutes for people building up activity after illness.",
        email="walks@movewell.example",
        website="https://movewell.example/",
        opening_hours="Saturdays 10:00, from the park gates",
        verified_days_ago=30,
    ),
    DemoResource(
        REHAB,
        "Riverside Stroke Club",
        C.PEER_SUPPORT,
        "Stroke survivors and their families meet for exercise, talks and company.",
        phone="0113 496 0606",
        opening_hours="Mondays 13:30–15:30",
        languages=",en,pl,",
        verified_days_ago=200,
    ),
    DemoResource(
        REHAB,
        "Dial-a-Ride Riverside",
        C.TRANSPORT,
        "Accessible transport with wheelchair lifts, booked by phone.",
        phone="0113 496 0707",
        opening_hours="Mon–Sat 07:00–19:00",
        eligibility="Residents who find public transport hard to use.",
        verified_days_ago=100,
    ),
    DemoResource(
        REHAB,
        "Riverside Interpreting Co-operative",
        C.INTERPRETING,
        "Interpreters for appointments and exercise classes, including sign language.",
        phone="0113 496 0808",
        email="book@interpreting-coop.example",
        languages=",es,pl,tr,bfi,",
        verified_days_ago=60,
    ),
    DemoResource(
        PRIMARY,
        "Prescription Help Desk",
        C.FINANCIAL,
        "Help to check free prescriptions, exemption certificates and prepayment.",
        phone="0113 496 0909",
        website="https://prescription-help.example/",
        opening_hours="Mon–Fri 09:30–16:30",
        languages=",en,ar,",
        verified_days_ago=75,
    ),
    DemoResource(
        PRIMARY,
        "Housing Advice Riverside",
        C.HOUSING,
        "Advice on renting, repairs, arrears and homelessness.",
        phone="0113 496 0110",
        email="advice@housing-riverside.example",
        opening_hours="Mon, Wed, Fri 10:00–15:00",
        verified_days_ago=390,
    ),
    DemoResource(
        PRIMARY,
        "Riverside Diabetes Peer Group",
        C.PEER_SUPPORT,
        "Monthly meetings to share tips on food, tablets and living with diabetes.",
        email="group@diabetes-peers.example",
        opening_hours="First Tuesday of the month, 18:00",
        languages=",en,ur,",
        verified_days_ago=40,
    ),
    DemoResource(
        PRIMARY,
        "Community Pharmacy Home Delivery",
        C.OTHER,
        "Free delivery of repeat prescriptions to people who cannot collect them.",
        phone="0113 496 0111",
        website="https://pharmacy-delivery.example/",
        verified_days_ago=15,
    ),
)
