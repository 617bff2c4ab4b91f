"""The St. Louis demo: the consortium's real institutions, fictional people.

Plain data and one deterministic generator; nothing here touches the database (the `demo`
management command loads it through the services). The institutions are public ones named as
they are. Every person is made up: names are drawn from lists reflecting the region's
communities and combined at random; e-mail addresses use the reserved example.org and
example.edu domains (RFC 2606), phone numbers the fictional 555-0100..555-0199 range.

The generator is prefix-stable: person number i depends only on the seed and i, so loading
2,000 people after 60 adds 1,940 and keeps the first 60 as they were.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from equityhub.accounts.models import Role
from equityhub.people.models import (
    Answer,
    Consent,
    GenderIdentity,
    Language,
    Organization,
    Proficiency,
    RaceEthnicity,
    TrainingLevel,
)

T = TypeVar("T")
Weighted = Sequence[tuple[T, float]]

DEFAULT_SEED = 1764  # the year St. Louis was founded
DEMO_PASSWORD = "gooey-butter-cake"  # noqa: S105 - printed on purpose: the demo's shared login
LOGIN_DOMAIN = "demo.equityhub.example"
ACADEMIC_DOMAIN = "example.edu"
COMMUNITY_DOMAIN = "example.org"
DEMO_DOMAINS = (ACADEMIC_DOMAIN, COMMUNITY_DOMAIN, LOGIN_DOMAIN)

# Organizations -----------------------------------------------------------------------------

SCHOOL_OF_MEDICINE = "Washington University School of Medicine"
OFFICE_OF_DIVERSITY_PROGRAMS = "Office of Diversity Programs"
PUBLIC_HEALTH = "Institute for Public Health"
ICTS = "Institute for Clinical and Translational Sciences"
SITEMAN = "Siteman Cancer Center"
GEPHARDT = "Gephardt Institute for Civic and Community Engagement"
BJC = "BJC HealthCare"
BARNES_JEWISH = "Barnes-Jewish Hospital"
CHILDRENS = "St. Louis Children's Hospital"
SLU = "Saint Louis University"
UMSL = "University of Missouri\u2013St. Louis"
HARRIS_STOWE = "Harris-Stowe State University"
SLPS = "St. Louis Public Schools"
GATEWAY = "Gateway STEM High School"
MCKINLEY = "McKinley Classical Leadership Academy"
VASHON = "Vashon High School"
SOLDAN = "Soldan International Studies High School"
NORMANDY = "Normandy High School"
JENNINGS = "Jennings Senior High School"
NORTHSIDE = "Northside Community Health Collaborative (fictional)"
GRAVOIS_PARK = "Gravois Park Neighbors United (fictional)"
FERGUSON = "Ferguson Youth STEM Alliance (fictional)"
BOSNIAN_CIRCLE = "Bosnian Community Wellness Circle (fictional)"
DUTCHTOWN = "Dutchtown Faith and Health Network (fictional)"
# A volunteering site (equityhub.volunteering.demo creates it), not an organization.
SATURDAY_CLINIC = "Saturday Neighborhood Free Clinic (fictional)"


@dataclass(frozen=True)
class DemoOrganization:
    name: str
    kind: str
    short_name: str = ""
    parent: str = ""
    address: str = ""
    city: str = "St. Louis"
    zip_code: str = ""
    website: str = ""
    is_fictional: bool = False


Kind = Organization.Kind

# Parents come before their children.
ORGANIZATIONS: tuple[DemoOrganization, ...] = (
    DemoOrganization(
        SCHOOL_OF_MEDICINE,
        Kind.UNIVERSITY,
        "WashU Medicine",
        address="660 S. Euclid Ave.",
        zip_code="63110",
        website="https://medicine.wustl.edu",
    ),
    DemoOrganization(
        OFFICE_OF_DIVERSITY_PROGRAMS,
        Kind.ACADEMIC_INSTITUTE,
        "ODP",
        parent=SCHOOL_OF_MEDICINE,
        address="660 S. Euclid Ave.",
        zip_code="63110",
    ),
    DemoOrganization(
        PUBLIC_HEALTH,
        Kind.ACADEMIC_INSTITUTE,
        "IPH",
        zip_code="63110",
        website="https://publichealth.wustl.edu",
    ),
    DemoOrganization(
        ICTS, Kind.ACADEMIC_INSTITUTE, "ICTS", zip_code="63110", website="https://icts.wustl.edu"
    ),
    DemoOrganization(
        SITEMAN,
        Kind.ACADEMIC_INSTITUTE,
        "Siteman",
        address="4921 Parkview Pl.",
        zip_code="63110",
        website="https://siteman.wustl.edu",
    ),
    DemoOrganization(
        GEPHARDT,
        Kind.ACADEMIC_INSTITUTE,
        "Gephardt Institute",
        address="1 Brookings Dr.",
        zip_code="63130",
        website="https://gephardtinstitute.wustl.edu",
    ),
    DemoOrganization(
        BJC,
        Kind.HEALTH_SYSTEM,
        "BJC",
        address="4901 Forest Park Ave.",
        zip_code="63108",
        website="https://www.bjc.org",
    ),
    DemoOrganization(
        BARNES_JEWISH,
        Kind.HEALTH_SYSTEM,
        "BJH",
        parent=BJC,
        address="1 Barnes-Jewish Hospital Plaza",
        zip_code="63110",
        website="https://www.barnesjewish.org",
    ),
    DemoOrganization(
        CHILDRENS,
        Kind.HEALTH_SYSTEM,
        "SLCH",
        parent=BJC,
        address="1 Children's Place",
        zip_code="63110",
        website="https://www.stlouischildrens.org",
    ),
    DemoOrganization(
        SLU,
        Kind.COLLEGE,
        "SLU",
        address="1 N. Grand Blvd.",
        zip_code="63103",
        website="https://www.slu.edu",
    ),
    DemoOrganization(
        UMSL,
        Kind.COLLEGE,
        "UMSL",
        address="1 University Blvd.",
        zip_code="63121",
        website="https://www.umsl.edu",
    ),
    DemoOrganization(
        HARRIS_STOWE,
        Kind.COLLEGE,
        "HSSU",
        address="3026 Laclede Ave.",
        zip_code="63103",
        website="https://www.hssu.edu",
    ),
    DemoOrganization(
        SLPS,
        Kind.SCHOOL,
        "SLPS",
        address="801 N. 11th St.",
        zip_code="63101",
        website="https://www.slps.org",
    ),
    DemoOrganization(GATEWAY, Kind.SCHOOL, "Gateway STEM", parent=SLPS, zip_code="63110"),
    DemoOrganization(MCKINLEY, Kind.SCHOOL, "McKinley CLA", parent=SLPS, zip_code="63104"),
    DemoOrganization(VASHON, Kind.SCHOOL, "Vashon", parent=SLPS, zip_code="63106"),
    DemoOrganization(SOLDAN, Kind.SCHOOL, "Soldan", parent=SLPS, zip_code="63108"),
    DemoOrganization(NORMANDY, Kind.SCHOOL, "Normandy", zip_code="63133"),
    DemoOrganization(JENNINGS, Kind.SCHOOL, "Jennings", city="Jennings", zip_code="63136"),
    DemoOrganization(
        NORTHSIDE, Kind.COMMUNITY, "Northside CHC", zip_code="63107", is_fictional=True
    ),
    DemoOrganization(GRAVOIS_PARK, Kind.COMMUNITY, "GPNU", zip_code="63118", is_fictional=True),
    DemoOrganization(
        FERGUSON, Kind.COMMUNITY, "FYSA", city="Ferguson", zip_code="63135", is_fictional=True
    ),
    DemoOrganization(BOSNIAN_CIRCLE, Kind.COMMUNITY, "BCWC", zip_code="63116", is_fictional=True),
    DemoOrganization(DUTCHTOWN, Kind.FAITH_BASED, "DFHN", zip_code="63111", is_fictional=True),
)

# Names -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heritage:
    """A community the fictional names are drawn from, with the languages and the
    self-identified race and ethnicity answers most common in it (weighted)."""

    women: tuple[str, ...]
    men: tuple[str, ...]
    family: tuple[str, ...]
    races: tuple[tuple[tuple[str, ...], float], ...]
    details: tuple[str, ...] = ()
    language: str = ""
    keeps_language: float = 0.0  # share who speak the heritage language
    english_learned: float = 0.0  # share of those for whom English is not native


R = RaceEthnicity
# fmt: off
HERITAGES: dict[str, Heritage] = {
    "african_american": Heritage(
        women=("Aaliyah", "Imani", "Jasmine", "Kiara", "Destiny", "Ebony", "Tiana", "Brianna",
               "Nia", "Keisha", "Latoya", "Jada", "Ayanna", "Danielle", "Monique", "Shanice",
               "Alexis", "Kennedy", "Zaria", "Janae"),
        men=("Jamal", "Darnell", "Malik", "Terrence", "DeShawn", "Marcus", "Andre", "Isaiah",
             "Jalen", "Elijah", "Tyrone", "Xavier", "Darius", "Cedric", "Jerome", "Khalil",
             "Devin", "Brandon", "Jordan", "Cameron"),
        family=("Washington", "Jackson", "Johnson", "Williams", "Brown", "Harris", "Robinson",
                "Thomas", "Walker", "Coleman", "Franklin", "Bell", "Henderson", "Gaines",
                "Toliver", "Stokes", "Hairston", "Pruitt", "Simmons", "Ford", "Banks",
                "Dorsey", "Whitfield", "McCray"),
        races=(((R.BLACK,), 88), ((R.BLACK, R.WHITE), 6), ((R.BLACK, R.AMERICAN_INDIAN), 3),
               ((R.BLACK, R.HISPANIC), 2), ((R.BLACK, R.PACIFIC_ISLANDER), 1)),
    ),
    "white": Heritage(
        women=("Emily", "Sarah", "Katherine", "Megan", "Abigail", "Hannah", "Lauren", "Rachel",
               "Claire", "Molly", "Grace", "Anna", "Elizabeth", "Caroline", "Madeline",
               "Julia"),
        men=("Matthew", "Andrew", "Ryan", "Tyler", "Nathan", "Kyle", "Benjamin", "Joseph",
             "Daniel", "Michael", "Patrick", "Luke", "Jacob", "Samuel", "Christopher",
             "Thomas"),
        family=("Schmidt", "Mueller", "Schneider", "Becker", "Hoffmann", "Meyer", "Wagner",
                "O'Brien", "Murphy", "Kelly", "Sullivan", "Rossi", "Lombardi", "Romano",
                "Miller", "Anderson", "Wilson", "Schroeder", "Koenig", "Vogel", "Brennan",
                "Fitzgerald", "Kowalski", "Novak", "Hughes", "Thompson"),
        races=(((R.WHITE,), 92), ((R.WHITE, R.AMERICAN_INDIAN), 3), ((R.WHITE, R.ASIAN), 2.5),
               ((R.WHITE, R.HISPANIC), 2), ((R.WHITE, R.PACIFIC_ISLANDER), 0.5)),
    ),
    "latino": Heritage(
        women=("Mar\u00eda", "Guadalupe", "Sof\u00eda", "Valeria", "Ximena", "Camila",
               "Daniela", "Alejandra", "Luc\u00eda", "Mariana", "Yesenia", "Araceli"),
        men=("Jos\u00e9", "Luis", "Carlos", "Miguel", "Juan", "Alejandro", "Diego", "Javier",
             "Mateo", "Santiago", "H\u00e9ctor", "Ricardo"),
        family=("Garc\u00eda", "Hern\u00e1ndez", "Mart\u00ednez", "L\u00f3pez",
                "Gonz\u00e1lez", "Rodr\u00edguez", "P\u00e9rez", "S\u00e1nchez",
                "Ram\u00edrez", "Flores", "Cruz", "Morales", "Reyes", "Torres",
                "Guti\u00e9rrez", "Mendoza", "Vargas", "Castillo"),
        races=(((R.HISPANIC,), 50), ((R.HISPANIC, R.WHITE), 38),
               ((R.HISPANIC, R.AMERICAN_INDIAN), 6), ((R.HISPANIC, R.BLACK), 6)),
        details=("Mexican", "Puerto Rican", "Guatemalan", "Salvadoran", "Colombian",
                 "Honduran", "Dominican"),
        language=Language.SPANISH,
        keeps_language=0.85,
        english_learned=0.25,
    ),
    "bosnian": Heritage(
        women=("Amina", "Lejla", "Selma", "Emina", "Ajla", "Merima", "Azra", "Jasmina",
               "Edina", "Maida", "Sanela", "D\u017eenana"),
        men=("Emir", "Adnan", "Haris", "Amar", "Kenan", "Mirza", "Tarik", "Armin", "Senad",
             "Edin", "Nermin", "Almir"),
        family=("Hod\u017ei\u0107", "Begi\u0107", "Mehmedovi\u0107", "Had\u017ei\u0107",
                "Deli\u0107", "Kova\u010devi\u0107", "Muji\u0107", "Ali\u0107",
                "Hasanovi\u0107", "Omerovi\u0107", "Ibrahimovi\u0107", "Selimovi\u0107",
                "Halilovi\u0107", "Salihovi\u0107"),
        races=(((R.WHITE,), 95), ((R.WHITE, R.MENA), 5)),
        details=("Bosnian", "Bosniak", "Bosnian-American"),
        language=Language.BOSNIAN,
        keeps_language=0.85,
        english_learned=0.3,
    ),
    "vietnamese": Heritage(
        women=("Linh", "Trang", "Mai", "Thao", "Ngoc", "Huong", "Lan", "Anh", "Vy", "Nhi"),
        men=("Minh", "Duc", "Huy", "Khoa", "Tuan", "Quang", "Bao", "Long", "Phuc", "Tri"),
        family=("Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang", "Bui", "Do", "Ngo",
                "Huynh", "Vo"),
        races=(((R.ASIAN,), 94), ((R.ASIAN, R.WHITE), 6)),
        details=("Vietnamese",),
        language=Language.VIETNAMESE,
        keeps_language=0.7,
        english_learned=0.3,
    ),
    "chinese": Heritage(
        women=("Mei", "Xin", "Jing", "Yan", "Hui", "Wen", "Ling", "Qing", "Emily", "Michelle"),
        men=("Wei", "Jun", "Hao", "Lei", "Tao", "Ming", "Jian", "Zhi", "Kevin", "Jason"),
        family=("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou",
                "Xu", "Lin"),
        races=(((R.ASIAN,), 93), ((R.ASIAN, R.WHITE), 7)),
        details=("Chinese", "Taiwanese", "Chinese-American"),
        language=Language.CHINESE,
        keeps_language=0.6,
        english_learned=0.3,
    ),
    "indian": Heritage(
        women=("Priya", "Ananya", "Divya", "Kavya", "Shreya", "Neha", "Pooja", "Aishwarya",
               "Meera", "Riya"),
        men=("Arjun", "Rohan", "Vikram", "Rahul", "Aditya", "Karthik", "Nikhil", "Sanjay",
             "Aarav", "Vivek"),
        family=("Patel", "Shah", "Reddy", "Sharma", "Gupta", "Iyer", "Rao", "Desai", "Menon",
                "Kumar", "Singh", "Chaudhary"),
        races=(((R.ASIAN,), 95), ((R.ASIAN, R.WHITE), 5)),
        details=("Indian", "Indian-American", "Gujarati", "Tamil"),
        language=Language.HINDI,
        keeps_language=0.45,
        english_learned=0.1,
    ),
    "nigerian": Heritage(
        women=("Chiamaka", "Adaeze", "Ngozi", "Folake", "Oluwaseun", "Temitope", "Ifeoma",
               "Funmilayo", "Yetunde", "Amara"),
        men=("Chinedu", "Emeka", "Oluwatobi", "Adebayo", "Obinna", "Tunde", "Ikechukwu",
             "Kelechi", "Femi", "Chukwuemeka"),
        family=("Okafor", "Adeyemi", "Okonkwo", "Eze", "Nwosu", "Balogun", "Oyelaran",
                "Okoro", "Ogunleye", "Chukwu", "Afolabi"),
        races=(((R.BLACK,), 100),),
        details=("Nigerian", "Nigerian-American", "Yoruba", "Igbo"),
        english_learned=0.05,
    ),
    "arab": Heritage(
        women=("Layla", "Noor", "Fatima", "Mariam", "Yasmin", "Rania", "Hala", "Salma", "Dina",
               "Zainab"),
        men=("Omar", "Ahmed", "Khaled", "Youssef", "Hassan", "Karim", "Samir", "Tariq", "Ali",
             "Rami"),
        family=("Haddad", "Khoury", "Saleh", "Mansour", "Nasser", "Hamdan", "Farah", "Aziz",
                "Khalil", "Qasim", "Darwish"),
        races=(((R.MENA,), 85), ((R.MENA, R.WHITE), 15)),
        details=("Lebanese", "Syrian", "Iraqi", "Palestinian", "Egyptian", "Jordanian",
                 "Yemeni"),
        language=Language.ARABIC,
        keeps_language=0.75,
        english_learned=0.3,
    ),
    "somali": Heritage(
        women=("Hodan", "Amran", "Faadumo", "Ifrah", "Deka", "Asha", "Sagal", "Ubah"),
        men=("Abdirahman", "Mohamed", "Abdi", "Hamza", "Liban", "Abdullahi", "Bashir",
             "Yusuf"),
        family=("Warsame", "Hussein", "Jama", "Abdullahi", "Osman", "Hirsi", "Egal", "Dualeh"),
        races=(((R.BLACK,), 90), ((R.BLACK, R.MENA), 10)),
        details=("Somali",),
        language=Language.SOMALI,
        keeps_language=0.9,
        english_learned=0.45,
    ),
    "swahili": Heritage(
        women=("Neema", "Furaha", "Amani", "Rehema", "Zawadi", "Imani", "Baraka", "Esther"),
        men=("Juma", "Baraka", "Amani", "Jean-Claude", "Emmanuel", "Patrice", "Faraji",
             "Daudi"),
        family=("Ilunga", "Mbuyi", "Kabongo", "Mwamba", "Mwangi", "Otieno", "Nshimiyimana",
                "Bizimana"),
        races=(((R.BLACK,), 100),),
        details=("Congolese", "Kenyan", "Tanzanian", "Rwandan"),
        language=Language.SWAHILI,
        keeps_language=0.85,
        english_learned=0.5,
    ),
    "nepali": Heritage(
        women=("Sita", "Laxmi", "Bishnu", "Sabina", "Asmita", "Sarita", "Manisha"),
        men=("Bikash", "Dil", "Hari", "Suraj", "Prakash", "Bhim", "Nabin"),
        family=("Gurung", "Rai", "Tamang", "Subedi", "Adhikari", "Dhakal", "Chhetri"),
        races=(((R.ASIAN,), 100),),
        details=("Bhutanese-Nepali", "Nepali"),
        language=Language.NEPALI,
        keeps_language=0.9,
        english_learned=0.5,
    ),
}

# fmt: on

# Home ZIP codes ----------------------------------------------------------------------------
# St. Louis City (631xx within the city limits) and St. Louis County, weighted by where each
# group plausibly lives: trainees near the medical campus, faculty in the inner suburbs,
# pathway students near their schools.

# fmt: off
NEAR_CAMPUS: Weighted[str] = (
    ("63110", 25), ("63108", 20), ("63104", 10), ("63139", 8), ("63112", 8), ("63130", 8),
    ("63117", 5), ("63143", 5), ("63109", 4), ("63116", 4), ("63118", 3), ("63103", 3),
)
SUBURBAN: Weighted[str] = (
    ("63105", 12), ("63117", 10), ("63119", 12), ("63122", 10), ("63130", 10), ("63108", 8),
    ("63110", 6), ("63124", 6), ("63131", 6), ("63141", 5), ("63017", 5), ("63144", 5),
    ("63109", 4), ("63139", 4), ("63011", 3), ("63021", 3), ("63005", 2),
)
METRO: Weighted[str] = (
    ("63110", 5), ("63104", 5), ("63118", 5), ("63116", 6), ("63111", 4), ("63109", 5),
    ("63139", 4), ("63106", 3), ("63107", 3), ("63113", 4), ("63115", 4), ("63120", 3),
    ("63112", 4), ("63147", 2), ("63121", 4), ("63136", 4), ("63135", 3), ("63033", 4),
    ("63031", 3), ("63114", 3), ("63134", 2), ("63137", 2), ("63138", 2), ("63132", 2),
    ("63043", 2), ("63123", 5), ("63125", 3), ("63126", 2), ("63128", 2), ("63129", 3),
    ("63119", 3), ("63117", 2), ("63130", 3), ("63021", 2), ("63011", 1), ("63017", 1),
)
NORTH: Weighted[str] = (
    ("63106", 10), ("63107", 12), ("63113", 14), ("63115", 14), ("63120", 10), ("63112", 8),
    ("63147", 5), ("63121", 8), ("63136", 10), ("63133", 5), ("63135", 6), ("63137", 4),
    ("63138", 4), ("63134", 4),
)
SOUTH: Weighted[str] = (
    ("63118", 16), ("63111", 14), ("63116", 16), ("63104", 10), ("63110", 8), ("63109", 6),
    ("63139", 6), ("63123", 8), ("63125", 5), ("63128", 3), ("63129", 3),
)

HOME_ZIPS_BY_SCHOOL: dict[str, Weighted[str]] = {
    GATEWAY: (("63110", 15), ("63116", 15), ("63111", 10), ("63118", 12), ("63139", 10),
              ("63109", 8), ("63104", 8), ("63113", 8), ("63115", 6), ("63112", 8)),
    MCKINLEY: (("63104", 20), ("63118", 18), ("63116", 18), ("63111", 15), ("63110", 10),
               ("63109", 9), ("63139", 10)),
    VASHON: (("63106", 25), ("63107", 20), ("63113", 20), ("63115", 15), ("63120", 10),
             ("63112", 10)),
    SOLDAN: (("63108", 20), ("63112", 25), ("63113", 20), ("63110", 10), ("63115", 10),
             ("63147", 5), ("63120", 10)),
    NORMANDY: (("63121", 35), ("63133", 30), ("63134", 15), ("63120", 10), ("63114", 10)),
    JENNINGS: (("63136", 50), ("63137", 15), ("63135", 15), ("63121", 10), ("63138", 10)),
}
HOME_ZIPS_BY_COMMUNITY_ORG: dict[str, Weighted[str]] = {
    NORTHSIDE: (("63106", 20), ("63107", 25), ("63113", 25), ("63115", 20), ("63147", 10)),
    GRAVOIS_PARK: (("63118", 45), ("63111", 25), ("63116", 20), ("63104", 10)),
    FERGUSON: (("63135", 45), ("63136", 20), ("63121", 15), ("63033", 10), ("63031", 10)),
    BOSNIAN_CIRCLE: (("63116", 35), ("63123", 20), ("63111", 15), ("63125", 10),
                     ("63128", 10), ("63129", 10)),
    DUTCHTOWN: (("63111", 45), ("63118", 25), ("63116", 20), ("63109", 10)),
}

# Which communities each group is drawn from (weights, not census shares: the office's
# programs reach some communities more than others).
ACADEMIC_MIX: Weighted[str] = (
    ("white", 42), ("african_american", 16), ("latino", 9), ("indian", 10), ("chinese", 8),
    ("vietnamese", 3), ("nigerian", 4), ("arab", 3), ("bosnian", 5), ("somali", 0.7),
    ("swahili", 0.7), ("nepali", 0.6),
)
STAFF_MIX: Weighted[str] = (
    ("african_american", 36), ("white", 42), ("latino", 7), ("bosnian", 7), ("indian", 3),
    ("chinese", 2), ("vietnamese", 2), ("arab", 2), ("nigerian", 1),
)
NORTH_SCHOOL_MIX: Weighted[str] = (
    ("african_american", 82), ("latino", 5), ("white", 4), ("somali", 2), ("swahili", 3),
    ("nigerian", 2), ("arab", 2),
)
SOUTH_SCHOOL_MIX: Weighted[str] = (
    ("african_american", 36), ("latino", 18), ("bosnian", 18), ("white", 10),
    ("vietnamese", 5), ("arab", 5), ("somali", 3), ("nepali", 3), ("swahili", 3),
)
COLLEGE_MIX: Weighted[str] = (
    ("african_american", 40), ("white", 30), ("latino", 8), ("bosnian", 7), ("vietnamese", 4),
    ("chinese", 3), ("indian", 4), ("nigerian", 3), ("arab", 3),
)
COMMUNITY_MIX_BY_ORG: dict[str, Weighted[str]] = {
    NORTHSIDE: (("african_american", 85), ("white", 8), ("latino", 4), ("nigerian", 3)),
    GRAVOIS_PARK: (("latino", 40), ("african_american", 25), ("white", 15), ("arab", 8),
                   ("vietnamese", 6), ("somali", 6)),
    FERGUSON: (("african_american", 85), ("white", 10), ("latino", 5)),
    BOSNIAN_CIRCLE: (("bosnian", 80), ("white", 10), ("african_american", 5), ("arab", 5)),
    DUTCHTOWN: (("african_american", 55), ("white", 15), ("latino", 12), ("nepali", 6),
                ("swahili", 6), ("somali", 6)),
}

# Programs ----------------------------------------------------------------------------------

GRADUATE_PROGRAMS: Weighted[tuple[str, str, int]] = (
    # (organization, program, years)
    ((SCHOOL_OF_MEDICINE, "Occupational Therapy (OTD)", 3), 30),
    ((SCHOOL_OF_MEDICINE, "Occupational Therapy (MSOT)", 2), 20),
    ((SCHOOL_OF_MEDICINE, "Physical Therapy (DPT)", 3), 45),
    ((SCHOOL_OF_MEDICINE, "Audiology (AuD)", 4), 15),
    ((SCHOOL_OF_MEDICINE, "Deaf Education (MSDE)", 2), 5),
    ((PUBLIC_HEALTH, "Master of Public Health", 2), 35),
)
RESIDENCIES: Weighted[tuple[str, str, int]] = (
    ((BARNES_JEWISH, "Internal Medicine", 3), 30),
    ((CHILDRENS, "Pediatrics", 3), 16),
    ((BARNES_JEWISH, "General Surgery", 5), 10),
    ((BARNES_JEWISH, "Psychiatry", 4), 7),
    ((BARNES_JEWISH, "Obstetrics and Gynecology", 4), 7),
    ((BARNES_JEWISH, "Emergency Medicine", 4), 8),
    ((BARNES_JEWISH, "Family Medicine", 3), 5),
    ((BARNES_JEWISH, "Neurology", 4), 5),
    ((BARNES_JEWISH, "Anesthesiology", 4), 7),
    ((BARNES_JEWISH, "Diagnostic Radiology", 5), 5),
)
FELLOWSHIPS: Weighted[tuple[str, str, int]] = (
    ((BARNES_JEWISH, "Cardiovascular Disease", 3), 15),
    ((SITEMAN, "Hematology and Oncology", 3), 15),
    ((BARNES_JEWISH, "Infectious Diseases", 2), 8),
    ((BARNES_JEWISH, "Gastroenterology", 3), 10),
    ((CHILDRENS, "Neonatal-Perinatal Medicine", 3), 8),
    ((CHILDRENS, "Pediatric Critical Care", 3), 7),
    ((BARNES_JEWISH, "Pulmonary and Critical Care", 3), 10),
)
DEPARTMENTS: Weighted[str] = (
    ("Medicine", 30), ("Pediatrics", 14), ("Surgery", 10), ("Psychiatry", 7),
    ("Obstetrics and Gynecology", 5), ("Emergency Medicine", 5), ("Neurology", 6),
    ("Radiology", 5), ("Anesthesiology", 6), ("Genetics", 3), ("Pathology and Immunology", 4),
    ("Occupational Therapy", 3), ("Physical Therapy", 3),
)
FACULTY_RANKS: Weighted[str] = (
    ("Instructor", 10), ("Assistant Professor", 40), ("Associate Professor", 28),
    ("Professor", 22),
)
FACULTY_HOMES: Weighted[str] = (
    (SCHOOL_OF_MEDICINE, 70), (SITEMAN, 10), (ICTS, 8), (PUBLIC_HEALTH, 8),
    (OFFICE_OF_DIVERSITY_PROGRAMS, 4),
)
STAFF_POSTS: Weighted[tuple[str, str]] = (
    ((OFFICE_OF_DIVERSITY_PROGRAMS, "Program coordinator"), 12),
    ((OFFICE_OF_DIVERSITY_PROGRAMS, "Program manager"), 5),
    ((OFFICE_OF_DIVERSITY_PROGRAMS, "Administrative assistant"), 4),
    ((ICTS, "Research coordinator"), 10),
    ((ICTS, "Community engagement specialist"), 6),
    ((SITEMAN, "Community outreach coordinator"), 10),
    ((SITEMAN, "Patient navigator"), 8),
    ((PUBLIC_HEALTH, "Program manager"), 6),
    ((GEPHARDT, "Community partnerships coordinator"), 8),
    ((BJC, "Community health improvement specialist"), 10),
    ((BARNES_JEWISH, "Volunteer services coordinator"), 8),
    ((CHILDRENS, "Child life specialist"), 6),
)
COLLEGE_MAJORS: Weighted[str] = (
    ("Biology", 30), ("Public Health", 15), ("Nursing", 12), ("Psychology", 12),
    ("Chemistry", 8), ("Health Sciences", 12), ("Biomedical Engineering", 5),
    ("Social Work", 6),
)
COLLEGES: Weighted[str] = ((SLU, 45), (UMSL, 35), (HARRIS_STOWE, 20))
SCHOOLS: Weighted[str] = (
    (GATEWAY, 22), (MCKINLEY, 15), (VASHON, 16), (SOLDAN, 15), (NORMANDY, 16), (JENNINGS, 16),
)
NORTH_SCHOOLS = frozenset({VASHON, SOLDAN, NORMANDY, JENNINGS})
PATHWAY_PROGRAMS = (
    "Young Scientist Program",
    "Summer Health Professions Pathway",
    "Saturday Science Academy",
    "Health Careers Exploration",
)
COMMUNITY_POSTS: Weighted[tuple[str, str]] = (
    ((NORTHSIDE, "Community health worker"), 16), ((NORTHSIDE, "Executive director"), 2),
    ((GRAVOIS_PARK, "Outreach coordinator"), 10), ((GRAVOIS_PARK, "Volunteer"), 6),
    ((FERGUSON, "Youth program lead"), 10), ((FERGUSON, "STEM mentor"), 6),
    ((BOSNIAN_CIRCLE, "Community health worker"), 8), ((BOSNIAN_CIRCLE, "Interpreter"), 4),
    ((DUTCHTOWN, "Health ministry lead"), 8), ((DUTCHTOWN, "Volunteer"), 4),
    ((GEPHARDT, "Community fellow"), 4), ((BJC, "Community health worker"), 8),
)

# fmt: on

# People ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAffiliation:
    organization: str
    training_level: str
    school_program: str = ""
    grade_level: int | None = None
    title: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None


@dataclass(frozen=True)
class DemoDemographics:
    race_ethnicity: tuple[str, ...] = ()
    race_ethnicity_declined: bool = False
    race_ethnicity_detail: str = ""
    gender_identity: str = ""
    gender_self_description: str = ""
    first_generation_college: str = ""
    economically_disadvantaged: str = ""
    disability: str = ""
    rural_background: str = ""


@dataclass(frozen=True)
class DemoConsent:
    kind: str
    relationship: str
    given_by_name: str
    given_by_email: str = ""
    days_ago: int = 0
    expires_on: dt.date | None = None
    scope: str = ""


@dataclass(frozen=True)
class DemoPerson:
    given_name: str
    family_name: str
    email: str
    date_of_birth: dt.date
    home_zip: str
    affiliation: DemoAffiliation
    pronouns: str = ""
    preferred_name: str = ""
    phone: str = ""
    languages: tuple[tuple[str, str], ...] = ((Language.ENGLISH, Proficiency.NATIVE),)
    demographics: DemoDemographics | None = None
    consents: tuple[DemoConsent, ...] = ()
    # A parent or guardian who is in the registry too (only some K-12 students have one).
    guardian: DemoPerson | None = None
    group: str = ""


@dataclass(frozen=True)
class DemoLogin:
    key: str
    role: str
    given_name: str
    family_name: str
    affiliation: DemoAffiliation
    scope: str = ""  # an organization's name, for roles that need a scope
    # A volunteering site's name, for a site supervisor: the volunteering demo grants the role
    # scoped to the site once it has created it (and `scope` stays empty).
    site: str = ""
    # A pathway program's name, for a reviewer: the programs demo grants the role scoped to the
    # program once it has created it (and `scope` stays empty).
    program: str = ""
    languages: tuple[tuple[str, str], ...] = ((Language.ENGLISH, Proficiency.NATIVE),)
    demographics: DemoDemographics | None = None
    date_of_birth: dt.date | None = None
    home_zip: str = ""
    note: str | Promise = ""
    is_staff: bool = False
    data_steward: bool = False

    @property
    def email(self) -> str:
        return f"{self.key}@{LOGIN_DOMAIN}"


DATA_STEWARDS_GROUP = "Data stewards"

LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(
        "admin",
        Role.OFFICE_ADMIN,
        "Renee",
        "Whitfield",
        DemoAffiliation(
            OFFICE_OF_DIVERSITY_PROGRAMS,
            TrainingLevel.STAFF,
            title="Director of Diversity Programs",
        ),
        is_staff=True,
        data_steward=True,
        note=_("may read demographics (Data stewards group); /admin/ access"),
    ),
    DemoLogin(
        "coordinator",
        Role.PROGRAM_COORDINATOR,
        "Marisol",
        "Vargas",
        DemoAffiliation(
            OFFICE_OF_DIVERSITY_PROGRAMS, TrainingLevel.STAFF, title="Program coordinator"
        ),
        languages=((Language.ENGLISH, Proficiency.NATIVE), (Language.SPANISH, Proficiency.NATIVE)),
    ),
    DemoLogin(
        "supervisor",
        Role.SITE_SUPERVISOR,
        "Kenan",
        "Begi\u0107",
        DemoAffiliation(BARNES_JEWISH, TrainingLevel.STAFF, title="Volunteer services coordinator"),
        site=SATURDAY_CLINIC,
        languages=((Language.ENGLISH, Proficiency.NATIVE), (Language.BOSNIAN, Proficiency.NATIVE)),
        note=_("supervises the Saturday Neighborhood Free Clinic (fictional); hours to verify"),
    ),
    DemoLogin(
        "reviewer",
        Role.REVIEWER,
        "Adaeze",
        "Okafor",
        DemoAffiliation(
            SCHOOL_OF_MEDICINE, TrainingLevel.FACULTY, title="Associate Professor of Pediatrics"
        ),
        program="High School Summer Science Academy (fictional)",
        note=_("reviews the High School Summer Science Academy (fictional), blind"),
    ),
    DemoLogin(
        "partner",
        Role.PARTNER,
        "Darnell",
        "Hairston",
        DemoAffiliation(NORTHSIDE, TrainingLevel.COMMUNITY, title="Executive director"),
        scope=NORTHSIDE,
        note=_("partner of the Northside Community Health Collaborative (fictional)"),
    ),
    DemoLogin(
        "student",
        Role.MEMBER,
        "Valeria",
        "Morales",
        DemoAffiliation(
            SCHOOL_OF_MEDICINE, TrainingLevel.MEDICAL_STUDENT, school_program="MD program"
        ),
        languages=((Language.ENGLISH, Proficiency.NATIVE), (Language.SPANISH, Proficiency.NATIVE)),
        demographics=DemoDemographics(
            race_ethnicity=(R.HISPANIC,),
            race_ethnicity_detail="Mexican",
            gender_identity=GenderIdentity.WOMAN,
            first_generation_college=Answer.YES,
            economically_disadvantaged=Answer.NO,
            disability=Answer.NO,
            rural_background=Answer.NO,
        ),
        date_of_birth=dt.date(2001, 3, 14),
        home_zip="63110",
        note=_("a medical student who speaks Spanish"),
    ),
    DemoLogin(
        "leadership",
        Role.LEADERSHIP_VIEWER,
        "Thomas",
        "Brennan",
        DemoAffiliation(
            SCHOOL_OF_MEDICINE, TrainingLevel.FACULTY, title="Associate Dean for Diversity"
        ),
    ),
)

# The mix of 200 people, repeated: 2,000 people are ten rounds of it.
GROUP_DECK: Weighted[str] = (
    ("medical_student", 60),
    ("graduate_student", 25),
    ("resident", 30),
    ("faculty", 12),
    ("staff", 6),
    ("k12", 45),
    ("college", 15),
    ("community", 7),
)
GUARDIAN_IN_REGISTRY = 0.3  # share of K-12 students whose parent is a registry person too


def pick(rng: random.Random, weighted: Weighted[T]) -> T:
    values = [value for value, _weight in weighted]
    weights = [weight for _value, weight in weighted]
    return rng.choices(values, weights=weights)[0]


def email_slug(text: str) -> str:
    """ASCII letters only: "Hodžić" -> "hodzic", "O'Brien" -> "obrien", "Đurić" -> "djuric"."""
    text = text.replace("\u0111", "dj").replace("\u0110", "Dj")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.lower() if ch.isalnum())


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def birth_date_for_age(rng: random.Random, age: int, today: dt.date) -> dt.date:
    """A date of birth on which the person is exactly `age` today."""
    earliest = years_before(today, age + 1) + dt.timedelta(days=1)
    latest = years_before(today, age)
    return earliest + dt.timedelta(days=rng.randint(0, (latest - earliest).days))


def academic_year(today: dt.date) -> int:
    """The calendar year in which the current academic year began (July 1)."""
    return today.year if today.month >= 7 else today.year - 1


def group_deck(seed: int) -> list[str]:
    deck = [group for group, count in GROUP_DECK for _ in range(int(count))]
    random.Random(f"{seed}:deck").shuffle(deck)  # noqa: S311 - demo data, not security
    return deck


def generate_people(count: int, *, seed: int, today: dt.date) -> list[DemoPerson]:
    """`count` fictional people (plus the guardians some minors have), deterministic."""
    deck = group_deck(seed)
    return [
        _person(index, deck[index % len(deck)], seed=seed, today=today) for index in range(count)
    ]


@dataclass
class _Draft:
    """What a group decides about a person before names, languages and answers are drawn."""

    affiliation: DemoAffiliation
    age: int
    zips: Weighted[str]
    mix: Weighted[str]
    domain: str = ACADEMIC_DOMAIN
    first_generation: float = 0.2
    disadvantaged: float = 0.15
    rural: float = 0.08
    spanish_learners: float = 0.07


def _draft(group: str, rng: random.Random, today: dt.date) -> _Draft:  # noqa: PLR0911 - one per group
    year = academic_year(today)
    if group == "medical_student":
        md_phd = rng.random() < 0.1
        years = 8 if md_phd else 4
        cohort = rng.randrange(years)
        start = dt.date(year - cohort, 7, 1)
        return _Draft(
            DemoAffiliation(
                SCHOOL_OF_MEDICINE,
                TrainingLevel.MEDICAL_STUDENT,
                school_program="MD/PhD program" if md_phd else "MD program",
                title=f"Class of {start.year + years}",
                start_date=start,
                end_date=dt.date(start.year + years, 5, 31),
            ),
            age=rng.randint(22, 27) + cohort,
            zips=NEAR_CAMPUS,
            mix=ACADEMIC_MIX,
            first_generation=0.18,
            disadvantaged=0.15,
            rural=0.1,
            spanish_learners=0.12,
        )
    if group == "graduate_student":
        organization, program, years = pick(rng, GRADUATE_PROGRAMS)
        cohort = rng.randrange(years)
        start = dt.date(year - cohort, 8, 1)
        return _Draft(
            DemoAffiliation(
                organization,
                TrainingLevel.GRADUATE_STUDENT,
                school_program=program,
                start_date=start,
                end_date=dt.date(start.year + years, 5, 31),
            ),
            age=rng.randint(22, 30) + cohort,
            zips=NEAR_CAMPUS,
            mix=ACADEMIC_MIX,
            first_generation=0.22,
            disadvantaged=0.18,
            rural=0.12,
            spanish_learners=0.1,
        )
    if group == "resident":
        fellow = rng.random() < 0.25
        organization, program, years = pick(rng, FELLOWSHIPS if fellow else RESIDENCIES)
        year_in_program = rng.randrange(years)
        start = dt.date(year - year_in_program, 7, 1)
        pgy = year_in_program + (4 if fellow else 1)
        return _Draft(
            DemoAffiliation(
                organization,
                TrainingLevel.FELLOW if fellow else TrainingLevel.RESIDENT,
                school_program=f"{program} {'fellowship' if fellow else 'residency'}",
                title=f"PGY-{pgy}",
                start_date=start,
                end_date=dt.date(start.year + years, 6, 30),
            ),
            age=rng.randint(26, 30) + pgy - 1,
            zips=NEAR_CAMPUS,
            mix=ACADEMIC_MIX,
            first_generation=0.15,
            disadvantaged=0.12,
            rural=0.1,
            spanish_learners=0.12,
        )
    if group == "faculty":
        rank = pick(rng, FACULTY_RANKS)
        return _Draft(
            DemoAffiliation(
                pick(rng, FACULTY_HOMES),
                TrainingLevel.FACULTY,
                title=f"{rank} of {pick(rng, DEPARTMENTS)}",
                start_date=dt.date(year - rng.randint(0, 25), 7, 1),
            ),
            age=rng.randint(33, 68),
            zips=SUBURBAN,
            mix=ACADEMIC_MIX,
            first_generation=0.12,
            disadvantaged=0.08,
            rural=0.1,
            spanish_learners=0.08,
        )
    if group == "staff":
        organization, title = pick(rng, STAFF_POSTS)
        return _Draft(
            DemoAffiliation(
                organization,
                TrainingLevel.STAFF,
                title=title,
                start_date=dt.date(year - rng.randint(0, 15), rng.randint(1, 12), 1),
            ),
            age=rng.randint(23, 63),
            zips=METRO,
            mix=STAFF_MIX,
            first_generation=0.35,
            disadvantaged=0.25,
            rural=0.1,
            spanish_learners=0.05,
        )
    if group == "k12":
        school = pick(rng, SCHOOLS)
        grade = rng.randint(9, 12)
        # Ninth graders are 14 or 15, twelfth graders 17: every one of them is a minor.
        age = 15 if grade == 9 and rng.random() < 0.15 else grade + 5
        return _Draft(
            DemoAffiliation(
                school,
                TrainingLevel.K12,
                school_program=rng.choice(PATHWAY_PROGRAMS),
                grade_level=grade,
                start_date=dt.date(year - (grade - 9), 8, 15),
            ),
            age=age,
            zips=HOME_ZIPS_BY_SCHOOL[school],
            mix=NORTH_SCHOOL_MIX if school in NORTH_SCHOOLS else SOUTH_SCHOOL_MIX,
            domain=COMMUNITY_DOMAIN,
            first_generation=0.5,
            disadvantaged=0.6,
            rural=0.02,
            spanish_learners=0.06,
        )
    if group == "college":
        college = pick(rng, COLLEGES)
        year_in_college = rng.randrange(4)
        return _Draft(
            DemoAffiliation(
                college,
                TrainingLevel.UNDERGRADUATE,
                school_program=pick(rng, COLLEGE_MAJORS),
                start_date=dt.date(year - year_in_college, 8, 20),
                end_date=dt.date(year - year_in_college + 4, 5, 15),
            ),
            age=18 + year_in_college + rng.randint(0, 1),
            zips=METRO,
            mix=COLLEGE_MIX,
            domain=ACADEMIC_DOMAIN,
            first_generation=0.42,
            disadvantaged=0.4,
            rural=0.06,
            spanish_learners=0.08,
        )
    organization, title = pick(rng, COMMUNITY_POSTS)
    return _Draft(
        DemoAffiliation(
            organization,
            TrainingLevel.STAFF if organization in (GEPHARDT, BJC) else TrainingLevel.COMMUNITY,
            title=title,
            start_date=dt.date(year - rng.randint(0, 10), rng.randint(1, 12), 1),
        ),
        age=rng.randint(22, 70),
        zips=HOME_ZIPS_BY_COMMUNITY_ORG.get(organization, METRO),
        mix=COMMUNITY_MIX_BY_ORG.get(organization, STAFF_MIX),
        domain=COMMUNITY_DOMAIN,
        first_generation=0.45,
        disadvantaged=0.4,
        rural=0.05,
        spanish_learners=0.04,
    )


def _answer(rng: random.Random, yes: float) -> str:
    roll = rng.random()
    if roll < 0.03:
        return Answer.PREFER_NOT
    if roll < 0.07:
        return ""  # skipped the question
    return Answer.YES if rng.random() < yes else Answer.NO


def _demographics(
    rng: random.Random, heritage: Heritage, gender: str, draft: _Draft
) -> DemoDemographics:
    if rng.random() < 0.04:
        races: tuple[str, ...] = ()
        declined, detail = True, ""
    else:
        races = pick(rng, heritage.races)
        declined = False
        detail = rng.choice(heritage.details) if heritage.details and rng.random() < 0.6 else ""
    description = "genderqueer" if gender == GenderIdentity.SELF_DESCRIBE else ""
    return DemoDemographics(
        race_ethnicity=races,
        race_ethnicity_declined=declined,
        race_ethnicity_detail=detail,
        gender_identity=gender,
        gender_self_description=description,
        first_generation_college=_answer(rng, draft.first_generation),
        economically_disadvantaged=_answer(rng, draft.disadvantaged),
        disability=_answer(rng, 0.09),
        rural_background=_answer(rng, draft.rural),
    )


def _languages(
    rng: random.Random, heritage: Heritage, draft: _Draft
) -> tuple[tuple[str, str], ...]:
    spoken: dict[str, str] = {}
    english = Proficiency.NATIVE
    if heritage.language and rng.random() < heritage.keeps_language:
        spoken[heritage.language] = (
            Proficiency.NATIVE if rng.random() < 0.75 else Proficiency.CONVERSATIONAL
        )
        if rng.random() < heritage.english_learned:
            english = (
                Proficiency.PROFESSIONAL
                if draft.domain == ACADEMIC_DOMAIN
                else pick(rng, ((Proficiency.CONVERSATIONAL, 2), (Proficiency.PROFESSIONAL, 3)))
            )
    if heritage.language == Language.SWAHILI and rng.random() < 0.5:
        spoken[Language.FRENCH] = Proficiency.CONVERSATIONAL
    if Language.SPANISH not in spoken and rng.random() < draft.spanish_learners:
        spoken[Language.SPANISH] = pick(
            rng,
            (
                (Proficiency.BASIC, 4),
                (Proficiency.CONVERSATIONAL, 4),
                (Proficiency.PROFESSIONAL, 2),
            ),
        )
    if rng.random() < 0.006:
        spoken[Language.ASL] = pick(
            rng, ((Proficiency.BASIC, 3), (Proficiency.CONVERSATIONAL, 2), (Proficiency.NATIVE, 1))
        )
    spoken[Language.ENGLISH] = english
    return tuple(sorted(spoken.items()))


def _gender(rng: random.Random) -> tuple[str, str]:
    """(gender identity, pronouns) with a plausible small share of non-binary people."""
    roll = rng.random()
    if roll < 0.55:
        return GenderIdentity.WOMAN, "she/her"
    if roll < 0.955:
        return GenderIdentity.MAN, "he/him"
    if roll < 0.98:
        return GenderIdentity.NON_BINARY, "they/them"
    if roll < 0.985:
        return GenderIdentity.SELF_DESCRIBE, "they/them"
    return GenderIdentity.PREFER_NOT, ""


def _phone(rng: random.Random) -> str:
    # 555-0100 through 555-0199 are reserved for fiction in every North American area code.
    return f"{rng.choice(('314', '636'))}-555-01{rng.randint(0, 99):02d}"


def _given_name(rng: random.Random, heritage: Heritage, gender: str) -> str:
    if gender == GenderIdentity.WOMAN:
        return rng.choice(heritage.women)
    if gender == GenderIdentity.MAN:
        return rng.choice(heritage.men)
    return rng.choice(heritage.women + heritage.men)


def _self_consents(
    rng: random.Random, name: str, date_of_birth: dt.date, today: dt.date
) -> tuple[DemoConsent, ...]:
    # A consent given before the person turned 18 would have needed a guardian.
    adult_for = (today - years_before(date_of_birth, -18)).days
    consents = []
    if rng.random() < 0.9:
        consents.append(
            DemoConsent(
                Consent.Kind.DATA_USE,
                Consent.Relationship.SELF,
                name,
                days_ago=rng.randint(0, min(700, adult_for)),
            )
        )
    if rng.random() < 0.6:
        consents.append(
            DemoConsent(
                Consent.Kind.MEDIA,
                Consent.Relationship.SELF,
                name,
                days_ago=rng.randint(0, min(700, adult_for)),
            )
        )
    return tuple(consents)


def _person(index: int, group: str, *, seed: int, today: dt.date) -> DemoPerson:
    rng = random.Random(f"{seed}:{index}")  # noqa: S311 - demo data, not security
    draft = _draft(group, rng, today)
    heritage = HERITAGES[pick(rng, draft.mix)]
    gender, pronouns = _gender(rng)
    given = _given_name(rng, heritage, gender)
    family = rng.choice(heritage.family)
    date_of_birth = birth_date_for_age(rng, draft.age, today)
    email = f"{email_slug(given)}.{email_slug(family)}.{index:04d}@{draft.domain}"
    demographics = _demographics(rng, heritage, gender, draft) if rng.random() < 0.85 else None
    languages = _languages(rng, heritage, draft)
    home_zip = pick(rng, draft.zips)
    phone = _phone(rng) if rng.random() < 0.7 else ""
    pronouns = pronouns if rng.random() < 0.45 or gender == GenderIdentity.NON_BINARY else ""
    if group != "k12":
        return DemoPerson(
            given,
            family,
            email,
            date_of_birth,
            home_zip,
            draft.affiliation,
            pronouns=pronouns,
            phone=phone,
            languages=languages,
            demographics=demographics,
            consents=_self_consents(rng, f"{given} {family}", date_of_birth, today),
            group=group,
        )
    # A minor: a parent or legal guardian gives every consent.
    parent_gender = GenderIdentity.WOMAN if rng.random() < 0.7 else GenderIdentity.MAN
    parent_given = _given_name(rng, heritage, parent_gender)
    parent_family = family if rng.random() < 0.85 else rng.choice(heritage.family)
    parent_name = f"{parent_given} {parent_family}"
    parent_email = (
        f"{email_slug(parent_given)}.{email_slug(parent_family)}.g{index:04d}@{COMMUNITY_DOMAIN}"
    )
    relationship = (
        Consent.Relationship.PARENT if rng.random() < 0.9 else Consent.Relationship.LEGAL_GUARDIAN
    )
    year = academic_year(today)
    guardian_consent = DemoConsent(
        Consent.Kind.GUARDIAN,
        relationship,
        parent_name,
        parent_email,
        days_ago=rng.randint(0, 120),
        expires_on=dt.date(year + 1, 6, 30),
        scope=draft.affiliation.school_program,
    )
    consents = [
        guardian_consent,
        DemoConsent(
            Consent.Kind.DATA_USE,
            relationship,
            parent_name,
            parent_email,
            days_ago=guardian_consent.days_ago,
        ),
    ]
    if rng.random() < 0.6:
        consents.append(
            DemoConsent(
                Consent.Kind.MEDIA,
                relationship,
                parent_name,
                parent_email,
                days_ago=guardian_consent.days_ago,
            )
        )
    guardian = None
    if rng.random() < GUARDIAN_IN_REGISTRY:
        parent_birth = birth_date_for_age(rng, rng.randint(34, 58), today)
        guardian = DemoPerson(
            parent_given,
            parent_family,
            parent_email,
            parent_birth,
            home_zip,
            DemoAffiliation(
                draft.affiliation.organization,
                TrainingLevel.GUARDIAN,
                title="Parent or guardian of a pathway participant",
            ),
            phone=_phone(rng),
            languages=languages,
            consents=_self_consents(rng, parent_name, parent_birth, today),
            group="guardian",
        )
    return DemoPerson(
        given,
        family,
        email,
        date_of_birth,
        home_zip,
        draft.affiliation,
        pronouns=pronouns,
        phone=phone if rng.random() < 0.3 else "",
        languages=languages,
        demographics=demographics,
        consents=tuple(consents),
        guardian=guardian,
        group=group,
    )
