"""The consortium part of the St. Louis demo, as plain data (`partnerships.demo` loads it).

The institutions are the real consortium members, named as they are (from `core.demo_data`),
plus the city's and the county's health departments (real public agencies). Every initiative,
agreement, metric value, meeting and contact here is made up for the demo and says so: titles
end in "(fictional)", and the "community health needs assessment priorities" are illustrative,
not the hospitals' published ones. Contacts use example.org addresses and 555-01xx numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from equityhub.core import demo_data as d

CITY_HEALTH = "City of St. Louis Department of Health"
COUNTY_HEALTH = "St. Louis County Department of Public Health"
FICTIONAL = " (fictional)"


@dataclass(frozen=True)
class DemoMember:
    organization: str
    partner_type: str
    role: str
    joined: tuple[int, int]  # year, month
    description: str
    contacts: tuple[tuple[str, str, str], ...] = ()  # name, job title, contact role


MEMBERS: tuple[DemoMember, ...] = (
    DemoMember(
        d.OFFICE_OF_DIVERSITY_PROGRAMS,
        "academic_institute",
        "convener",
        (2016, 7),
        "Convenes the consortium, keeps its records and staffs its meetings.",
        (("Renee Whitfield", "Director of Diversity Programs", "primary"),),
    ),
    DemoMember(
        d.PUBLIC_HEALTH,
        "academic_institute",
        "steering",
        (2016, 7),
        "Evaluation, community-engaged research methods and data support.",
        (
            ("Dr. Amara Okafor", "Associate director, community research", "primary"),
            ("Luis Herrera", "Data manager", "data"),
        ),
    ),
    DemoMember(
        d.ICTS,
        "academic_institute",
        "steering",
        (2016, 7),
        "Community engagement in clinical and translational research; research literacy.",
        (("Dr. Priya Raman", "Community engagement lead", "primary"),),
    ),
    DemoMember(
        d.SITEMAN,
        "academic_institute",
        "steering",
        (2016, 7),
        "Cancer prevention, screening outreach and survivorship support in the region.",
        (
            ("Tanya Brooks", "Community outreach manager", "primary"),
            ("Kevin Liu", "Contracts officer", "agreements"),
        ),
    ),
    DemoMember(
        d.GEPHARDT,
        "academic_institute",
        "steering",
        (2017, 1),
        "Student civic engagement and community partnerships.",
        (("Marcus Bell", "Community partnerships director", "primary"),),
    ),
    DemoMember(
        d.BJC,
        "health_system",
        "steering",
        (2016, 7),
        "The hospital system: community health needs assessments and community benefit.",
        (("Angela Price", "Community health improvement manager", "primary"),),
    ),
    DemoMember(
        d.CHILDRENS,
        "health_system",
        "member",
        (2018, 9),
        "Pediatric community health: asthma, injury prevention and school health.",
        (("Dr. Hannah Meyer", "School health program lead", "primary"),),
    ),
    DemoMember(
        CITY_HEALTH,
        "government",
        "member",
        (2019, 3),
        "Public-health services and vaccination in the City of St. Louis.",
        (("Jerome Little", "Community health liaison", "primary"),),
    ),
    DemoMember(
        COUNTY_HEALTH,
        "government",
        "affiliate",
        (2021, 5),
        "Public-health services in St. Louis County.",
        (("Sandra Ortiz", "Partnership coordinator", "primary"),),
    ),
    DemoMember(
        d.SLPS,
        "school",
        "member",
        (2018, 1),
        "School health and pathway programs in city schools.",
        (("Denise Carter", "Health services coordinator", "primary"),),
    ),
    DemoMember(
        d.NORTHSIDE,
        "community",
        "steering",
        (2017, 4),
        "Community health workers and a food pantry in North St. Louis.",
        (
            ("Darnell Hairston", "Executive director", "primary"),
            ("Andre Mitchell", "Program manager", "program"),
        ),
    ),
    DemoMember(
        d.GRAVOIS_PARK,
        "community",
        "member",
        (2020, 2),
        "Neighborhood association: food access and block-level outreach.",
        (("Maria Delgado", "Organizer", "primary"),),
    ),
    DemoMember(
        d.BOSNIAN_CIRCLE,
        "community",
        "member",
        (2021, 8),
        "Peer support for Bosnian and other refugee families in South City.",
        (("Amela Hodzic", "Program lead", "primary"),),
    ),
    DemoMember(
        d.DUTCHTOWN,
        "faith_based",
        "member",
        (2019, 10),
        "Congregations' health ministries in Dutchtown and nearby.",
        (("Rev. Calvin Owens", "Health ministry coordinator", "primary"),),
    ),
    DemoMember(
        d.FERGUSON,
        "community",
        "affiliate",
        (2022, 6),
        "Youth programs in North County.",
        (("Jasmine Reed", "Youth programs director", "primary"),),
    ),
)

# Illustrative needs-assessment priorities (not the hospitals' published ones).
PRIORITIES: tuple[tuple[str, int, str], ...] = (
    (d.BJC, 2025, "Access to care (illustrative)"),
    (d.BJC, 2025, "Behavioral health (illustrative)"),
    (d.BJC, 2025, "Chronic disease prevention (illustrative)"),
    (d.BJC, 2025, "Maternal and infant health (illustrative)"),
    (d.CHILDRENS, 2025, "Childhood asthma (illustrative)"),
    (d.CHILDRENS, 2025, "Youth mental health (illustrative)"),
)


@dataclass(frozen=True)
class DemoMetric:
    name: str
    kind: str
    quarterly: tuple[int, ...]  # values for the last quarters, oldest first
    by_area: bool = False  # split each quarter's value over the initiative's areas


@dataclass(frozen=True)
class DemoInitiative:
    title: str
    lead: str
    summary: str
    focus: tuple[str, ...]
    populations: tuple[str, ...]
    areas: tuple[str, ...]
    status: str
    started: tuple[int, int] | None
    funding: int | None = None
    funding_source: str = ""
    partners: tuple[tuple[str, str], ...] = ()  # organization, role
    priorities: tuple[str, ...] = ()
    metrics: tuple[DemoMetric, ...] = field(default_factory=tuple)


INITIATIVES: tuple[DemoInitiative, ...] = (
    DemoInitiative(
        "North City Mammography Van Days" + FICTIONAL,
        d.SITEMAN,
        "Monthly mobile mammography at community sites, with navigators for follow-up care.",
        ("cancer_screening",),
        ("black_residents", "uninsured"),
        ("63106", "63107", "63113", "63115"),
        "active",
        (2024, 3),
        180000,
        "Cancer center community outreach funds (fictional)",
        ((d.BARNES_JEWISH, "site"), (d.NORTHSIDE, "partner")),
        ("Access to care (illustrative)",),
        (
            DemoMetric("Screening mammograms", "screenings", (61, 74, 58, 83, 90, 97), True),
            DemoMetric("Referrals to diagnostic follow-up", "referrals", (6, 9, 4, 8, 7, 11)),
            DemoMetric("Van days held", "events", (3, 3, 3, 3, 3, 3)),
        ),
    ),
    DemoInitiative(
        "Colorectal Screening Kits at Faith Centers" + FICTIONAL,
        d.DUTCHTOWN,
        "Congregations hand out at-home screening kits after services, with reminders by phone.",
        ("cancer_screening",),
        ("black_residents", "older_adults"),
        ("63111", "63118", "63113"),
        "active",
        (2025, 1),
        45000,
        "Community grant (fictional)",
        ((d.SITEMAN, "co_lead"),),
        (),
        (DemoMetric("Kits returned", "screenings", (22, 31, 27, 35), True),),
    ),
    DemoInitiative(
        "Healthy Moms, Healthy Babies Home Visits" + FICTIONAL,
        d.PUBLIC_HEALTH,
        "Community health workers visit families from pregnancy to the first birthday.",
        ("maternal_infant",),
        ("pregnant_parenting", "black_residents"),
        ("63106", "63107", "63115", "63120"),
        "active",
        (2023, 9),
        320000,
        "Foundation grant (fictional)",
        ((d.CHILDRENS, "partner"), (d.NORTHSIDE, "partner"), (CITY_HEALTH, "advisor")),
        ("Maternal and infant health (illustrative)",),
        (
            DemoMetric("Families enrolled", "enrollments", (38, 42, 47, 51, 55, 58)),
            DemoMetric("Home visits", "people_reached", (190, 214, 236, 251, 270, 288), True),
        ),
    ),
    DemoInitiative(
        "Hypertension Checks at Barbershops" + FICTIONAL,
        d.BJC,
        "Blood-pressure checks and referrals in neighborhood barbershops and salons.",
        ("chronic_disease",),
        ("black_residents",),
        ("63115", "63120", "63136", "63121"),
        "active",
        (2024, 6),
        60000,
        "Community benefit (fictional)",
        ((d.FERGUSON, "site"),),
        ("Chronic disease prevention (illustrative)",),
        (
            DemoMetric("Blood-pressure screenings", "screenings", (140, 166, 181, 175), True),
            DemoMetric("Referrals to primary care", "referrals", (19, 23, 9, 26)),
        ),
    ),
    DemoInitiative(
        "Summer Youth Peace Ambassadors" + FICTIONAL,
        d.GEPHARDT,
        "Paid summer roles for teenagers in conflict mediation and neighborhood projects.",
        ("violence_prevention",),
        ("children_youth",),
        ("63135", "63136", "63133"),
        "planning",
        (2027, 6),
        None,
        "",
        ((d.FERGUSON, "co_lead"),),
        (),
        (),
    ),
    DemoInitiative(
        "Refugee Mental Health Navigators" + FICTIONAL,
        d.BOSNIAN_CIRCLE,
        "Peer navigators in Bosnian, Arabic and Dari connect families with counselling.",
        ("mental_health",),
        ("immigrants_refugees",),
        ("63116", "63111"),
        "active",
        (2024, 10),
        75000,
        "Foundation grant (fictional)",
        ((d.PUBLIC_HEALTH, "evaluator"),),
        ("Behavioral health (illustrative)",),
        (DemoMetric("People connected to care", "people_reached", (8, 12, 15, 14)),),
    ),
    DemoInitiative(
        "Research Literacy Circles" + FICTIONAL,
        d.ICTS,
        "Neighbors learn how clinical studies work and what to ask before joining one.",
        ("health_literacy",),
        ("black_residents", "older_adults"),
        ("63106", "63107", "63113"),
        "active",
        (2024, 1),
        30000,
        "Institutional funds (fictional)",
        ((d.NORTHSIDE, "partner"),),
        (),
        (
            DemoMetric("Participants", "people_reached", (24, 31, 18, 29, 35, 33)),
            DemoMetric("Sessions held", "events", (4, 5, 3, 5, 6, 5)),
        ),
    ),
    DemoInitiative(
        "Produce Prescription at Gravois Park" + FICTIONAL,
        d.GRAVOIS_PARK,
        "Clinics prescribe fresh produce vouchers redeemable at a neighborhood market.",
        ("food_access", "chronic_disease"),
        ("uninsured",),
        ("63118", "63111", "63104"),
        "active",
        (2025, 4),
        52000,
        "Community grant (fictional)",
        ((d.PUBLIC_HEALTH, "evaluator"),),
        (),
        (DemoMetric("Households enrolled", "enrollments", (27, 39, 44)),),
    ),
    DemoInitiative(
        "School Asthma Action Plans" + FICTIONAL,
        d.CHILDRENS,
        "School nurses and families keep an up-to-date asthma action plan for every child.",
        ("chronic_disease",),
        ("children_youth",),
        ("63106", "63113", "63107"),
        "planning",
        (2027, 1),
        None,
        "",
        ((d.SLPS, "partner"),),
        ("Childhood asthma (illustrative)",),
        (),
    ),
    DemoInitiative(
        "Spanish-Language Survivorship Circles" + FICTIONAL,
        d.SITEMAN,
        "Support groups in Spanish for people after cancer treatment and their families.",
        ("cancer_screening", "mental_health"),
        ("latino",),
        ("63111", "63116", "63118"),
        "active",
        (2025, 2),
        25000,
        "Cancer center community outreach funds (fictional)",
        (),
        (),
        (DemoMetric("Participants", "people_reached", (9, 13, 16)),),
    ),
    DemoInitiative(
        "Corner-Store Vaccination Pop-ups" + FICTIONAL,
        CITY_HEALTH,
        "Flu and COVID-19 vaccination at corner stores on weekend afternoons.",
        ("infectious_disease",),
        ("uninsured", "older_adults"),
        ("63106", "63107", "63115"),
        "completed",
        (2023, 10),
        15000,
        "Public-health emergency funds (fictional)",
        ((d.NORTHSIDE, "site"),),
        ("Access to care (illustrative)",),
        (DemoMetric("Doses given", "people_reached", (212, 145, 88, 40)),),
    ),
    DemoInitiative(
        "Food Pantry Diabetes Screening" + FICTIONAL,
        d.NORTHSIDE,
        "A1c checks and nutrition counselling for pantry visitors, with clinic referrals.",
        ("chronic_disease", "food_access"),
        ("uninsured", "black_residents"),
        ("63107", "63115"),
        "active",
        (2025, 6),
        20000,
        "Community grant (fictional)",
        ((d.BJC, "funder"),),
        ("Chronic disease prevention (illustrative)",),
        (
            DemoMetric("A1c screenings", "screenings", (33, 41, 37), True),
            DemoMetric("Referrals to a clinic", "referrals", (5, 8, 12)),
            # Small on purpose: at most 10 in any year, so the roll-up of people reached always
            # has a suppressed cell (chronic disease and food access count nothing else there).
            DemoMetric("Cooking-class graduates", "people_reached", (3, 5, 2)),
        ),
    ),
)


@dataclass(frozen=True)
class DemoAgreement:
    title: str
    kind: str
    parties: tuple[tuple[str, str], ...]  # organization, role
    effective_days: int  # days from today (negative: in the past)
    expires_days: int | None
    status: str  # the state to leave it in: draft, active, expired, terminated
    initiative: str = ""
    description: str = ""
    document: bool = True


AGREEMENTS: tuple[DemoAgreement, ...] = (
    DemoAgreement(
        "Data-use agreement: screening follow-up" + FICTIONAL,
        "data_use",
        ((d.SITEMAN, "Data provider"), (d.NORTHSIDE, "Recipient")),
        -700,
        25,
        "active",
        INITIATIVES[0].title,
        "De-identified follow-up outcomes for the van days, quarterly.",
    ),
    DemoAgreement(
        "MOU: home-visiting referrals" + FICTIONAL,
        "mou",
        ((d.PUBLIC_HEALTH, "Lead"), (d.CHILDRENS, "Partner"), (d.NORTHSIDE, "Partner")),
        -800,
        80,
        "active",
        INITIATIVES[2].title,
        "How families are referred between the partners and what is shared.",
    ),
    DemoAgreement(
        "Affiliation agreement: student volunteers" + FICTIONAL,
        "affiliation",
        ((d.OFFICE_OF_DIVERSITY_PROGRAMS, "School"), (d.NORTHSIDE, "Host site")),
        -400,
        330,
        "active",
        "",
        "Supervision, insurance and orientation for medical students volunteering on site.",
    ),
    DemoAgreement(
        "MOU: congregational screening kits" + FICTIONAL,
        "mou",
        ((d.DUTCHTOWN, "Lead"), (d.SITEMAN, "Clinical partner")),
        -300,
        430,
        "active",
        INITIATIVES[1].title,
    ),
    DemoAgreement(
        "Data-use agreement: vaccination counts" + FICTIONAL,
        "data_use",
        ((CITY_HEALTH, "Data provider"), (d.OFFICE_OF_DIVERSITY_PROGRAMS, "Recipient")),
        -900,
        -60,
        "expired",
        INITIATIVES[10].title,
    ),
    DemoAgreement(
        "MOU: produce prescription evaluation" + FICTIONAL,
        "mou",
        ((d.GRAVOIS_PARK, "Lead"), (d.PUBLIC_HEALTH, "Evaluator")),
        30,
        760,
        "draft",
        INITIATIVES[7].title,
        document=False,
    ),
)


@dataclass(frozen=True)
class DemoActionItem:
    description: str
    organization: str
    owner: str
    due_days: int  # from the meeting day
    done: bool = False


@dataclass(frozen=True)
class DemoMeeting:
    title: str
    days_ago: int
    location: str
    agenda: str
    minutes: str
    attendees: tuple[str, ...]  # organizations, each with its first contact present
    regrets: tuple[str, ...] = ()
    action_items: tuple[DemoActionItem, ...] = ()


MEETINGS: tuple[DemoMeeting, ...] = (
    DemoMeeting(
        "Steering committee, spring" + FICTIONAL,
        240,
        "Community room, North St. Louis (fictional)",
        "1. Partner updates\n2. Shared metrics: first quarter\n3. Renewals due this year",
        "Partners reported their first-quarter numbers. Screening follow-up is the common gap.",
        (d.OFFICE_OF_DIVERSITY_PROGRAMS, d.PUBLIC_HEALTH, d.SITEMAN, d.BJC, d.NORTHSIDE),
        (d.ICTS,),
        (
            DemoActionItem(
                "Draft a shared referral form for screening follow-up",
                d.SITEMAN,
                "Tanya Brooks",
                45,
                done=True,
            ),
            DemoActionItem(
                "Share the needs-assessment priorities with all partners",
                d.BJC,
                "Angela Price",
                30,
                done=True,
            ),
        ),
    ),
    DemoMeeting(
        "Steering committee, summer" + FICTIONAL,
        150,
        "Online",
        "1. Atlas review: need against reach\n2. North County gaps\n3. Youth summer plans",
        "The atlas shows high poverty and few initiatives in North County ZIP codes.",
        (d.OFFICE_OF_DIVERSITY_PROGRAMS, d.GEPHARDT, d.BJC, d.FERGUSON, COUNTY_HEALTH),
        (d.SLPS,),
        (
            DemoActionItem(
                "Propose a North County initiative for the fall meeting",
                d.GEPHARDT,
                "Marcus Bell",
                60,
            ),
            DemoActionItem(
                "Map county clinic sites for the atlas", COUNTY_HEALTH, "Sandra Ortiz", 30
            ),
        ),
    ),
    DemoMeeting(
        "Steering committee, fall" + FICTIONAL,
        60,
        "Community room, North St. Louis (fictional)",
        "1. Renewals: screening data-use agreement, home-visiting MOU\n2. Third-quarter metrics",
        "Two agreements expire within three months; their leads will start renewals.",
        (d.OFFICE_OF_DIVERSITY_PROGRAMS, d.PUBLIC_HEALTH, d.SITEMAN, d.NORTHSIDE, d.DUTCHTOWN),
        (d.CHILDRENS,),
        (
            DemoActionItem(
                "Start the renewal of the screening data-use agreement",
                d.SITEMAN,
                "Kevin Liu",
                30,
            ),
            DemoActionItem(
                "Collect the fourth-quarter numbers from every initiative",
                d.NORTHSIDE,
                "Andre Mitchell",
                90,
            ),
        ),
    ),
)
