"""The pathway-programs part of the St. Louis demo, as plain data (`programs.demo` loads it).

The sponsors are real institutions, named as they are (from `core.demo_data`). The programs,
their forms, rubrics, letters, sessions and capstones, and every applicant, score and outcome
are made up for the demo and say so: program names end in "(fictional)". The milestone rates
below are illustrative, not any program's results.
"""

from __future__ import annotations

from dataclasses import dataclass

from equityhub.core import demo_data as d

FICTIONAL = " (fictional)"
K12_NAME = "High School Summer Science Academy (fictional)"
COLLEGE_NAME = "Summer Undergraduate Research Program (fictional)"
RESIDENTS_NAME = "Residents and Fellows Diversity Initiative (fictional)"


@dataclass(frozen=True)
class DemoChoice:
    value: str
    label: str
    label_es: str


@dataclass(frozen=True)
class DemoField:
    key: str
    kind: str  # FormField.Kind
    label: str
    label_es: str
    help_text: str = ""
    help_text_es: str = ""
    choices: tuple[DemoChoice, ...] = ()
    required: bool = True
    identifying: bool = False
    max_length: int = 5000


@dataclass(frozen=True)
class DemoCriterion:
    name: str
    description: str
    weight: str  # a decimal, as text
    max_score: int = 5


@dataclass(frozen=True)
class DemoRates:
    """The chance of each milestone given the one before it (illustrative)."""

    high_school: float = 0.0
    college_entry: float = 0.0
    stem_major: float = 0.0
    # K-12: the share of twelfth graders in an early-college program, who finish high school
    # with an associate degree and may earn a bachelor's two years later (`degree`).
    early_college: float = 0.0
    degree: float = 0.0
    applied_med: float = 0.0
    admitted_med: float = 0.0
    matriculated: float = 0.0
    faculty: float = 0.0


@dataclass(frozen=True)
class DemoProgram:
    name: str
    short_name: str  # cycle titles: "<short name> <year> (fictional)"
    stage: str  # Program.Stage
    sponsor: str
    description: str
    description_es: str
    eligibility: str
    eligibility_es: str
    seats: int
    # (month, day) of each step of a year's cycle; the program runs in the summer.
    opens: tuple[int, int]
    closes: tuple[int, int]
    decided: tuple[int, int]
    starts: tuple[int, int]
    ends: tuple[int, int]
    fields: tuple[DemoField, ...]
    criteria: tuple[DemoCriterion, ...]
    sessions: tuple[str, ...]  # the first and the last are always held
    session_place: str
    capstones: tuple[str, ...]
    stipend_payments: tuple[str, ...]  # amounts in USD, as text; empty for none
    reviewer_titles: tuple[str, ...]  # faculty of the School of Medicine
    leader: tuple[str, str]  # job title, TrainingLevel (of the sponsor)
    mentors: tuple[tuple[str, str], ...]  # four; two mentor each year's cohort, in turn
    rates: DemoRates
    min_grade: int | None = None
    max_grade: int | None = None
    min_age: int | None = None
    max_age: int | None = None
    blind_review: bool = False
    needs_director_approval: bool = False
    lives_in_st_louis: bool = False  # residence areas: the St. Louis City and County ZCTAs


YES_NO = (DemoChoice("yes", "Yes", "Sí"), DemoChoice("no", "No", "No"))

K12_FIELDS: tuple[DemoField, ...] = (
    DemoField(
        "school",
        "text",
        "Which high school do you attend?",
        "¿A qué escuela preparatoria asistes?",
        identifying=True,
        max_length=200,
    ),
    DemoField(
        "grade",
        "choice",
        "Your grade this school year",
        "Tu grado este año escolar",
        choices=(
            DemoChoice("9", "9th grade", "9.º grado"),
            DemoChoice("10", "10th grade", "10.º grado"),
            DemoChoice("11", "11th grade", "11.º grado"),
            DemoChoice("12", "12th grade", "12.º grado"),
        ),
    ),
    DemoField(
        "lab",
        "choice",
        "Which lab would you most like to join?",
        "¿En qué laboratorio te gustaría más participar?",
        help_text="We try to place everyone in their first choice.",
        help_text_es="Intentamos asignar a cada estudiante a su primera opción.",
        choices=(
            DemoChoice("biology", "Biology and genetics", "Biología y genética"),
            DemoChoice("chemistry", "Chemistry", "Química"),
            DemoChoice("neuroscience", "Brain and behavior", "Cerebro y conducta"),
            DemoChoice("public_health", "Public health", "Salud pública"),
        ),
    ),
    DemoField(
        "essay",
        "long_text",
        "Tell us about a question in science or health you would like to answer.",
        "Cuéntanos sobre una pregunta de ciencia o salud que te gustaría responder.",
        help_text="About 250 words. There are no wrong answers.",
        help_text_es="Unas 250 palabras. No hay respuestas incorrectas.",
        max_length=2000,
    ),
)

COLLEGE_FIELDS: tuple[DemoField, ...] = (
    DemoField(
        "institution",
        "text",
        "Your college or university",
        "Tu universidad",
        identifying=True,
        max_length=200,
    ),
    DemoField("major", "text", "Your major", "Tu carrera", max_length=200),
    DemoField(
        "area",
        "choice",
        "Which research area interests you most?",
        "¿Qué área de investigación te interesa más?",
        choices=(
            DemoChoice("bench", "Laboratory (bench) research", "Investigación de laboratorio"),
            DemoChoice("clinical", "Clinical research", "Investigación clínica"),
            DemoChoice("community", "Community-engaged research", "Investigación comunitaria"),
            DemoChoice("data", "Data science and epidemiology", "Ciencia de datos y epidemiología"),
        ),
    ),
    DemoField(
        "statement",
        "long_text",
        "Why research, and why now? Tell us about your goals.",
        "¿Por qué la investigación, y por qué ahora? Cuéntanos tus metas.",
        help_text="Up to 500 words.",
        help_text_es="Hasta 500 palabras.",
        max_length=4000,
    ),
    DemoField(
        "recommendation",
        "recommendation",
        "A letter of recommendation from a professor or supervisor",
        "Una carta de recomendación de un profesor o supervisor",
        help_text="We e-mail your recommender a private link to upload the letter.",
        help_text_es="Enviamos a quien te recomienda un enlace privado para subir la carta.",
    ),
)

RESIDENTS_FIELDS: tuple[DemoField, ...] = (
    DemoField(
        "training_program",
        "text",
        "Your residency or fellowship program",
        "Tu programa de residencia o de especialización",
        identifying=True,
        max_length=200,
    ),
    DemoField(
        "pgy",
        "choice",
        "Your postgraduate year next July",
        "Tu año de posgrado el próximo julio",
        choices=(
            DemoChoice("pgy1", "PGY-1", "PGY-1"),
            DemoChoice("pgy2", "PGY-2", "PGY-2"),
            DemoChoice("pgy3", "PGY-3", "PGY-3"),
            DemoChoice("pgy4", "PGY-4 or later", "PGY-4 o posterior"),
        ),
    ),
    DemoField(
        "project",
        "long_text",
        "Describe the scholarly or community project you would lead this year.",
        "Describe el proyecto académico o comunitario que dirigirías este año.",
        max_length=4000,
    ),
    DemoField(
        "protected_time",
        "choice",
        "Has your program director agreed to protected time for the initiative?",
        "¿Tu director de programa aceptó darte tiempo protegido para la iniciativa?",
        choices=YES_NO,
    ),
)

STL = "St. Louis"

PROGRAMS: tuple[DemoProgram, ...] = (
    DemoProgram(
        name=K12_NAME,
        short_name="Summer Science Academy",
        stage="k12",
        sponsor=d.OFFICE_OF_DIVERSITY_PROGRAMS,
        description=(
            "Six weeks of hands-on laboratory science on the medical campus for St. Louis "
            "high-school students: a research project with a mentor, weekly workshops on "
            "careers in medicine and science, and a poster at the closing symposium. A stipend "
            "of $1,000 is paid in two parts. A made-up program for the Equity Hub demo."
        ),
        description_es=(
            "Seis semanas de ciencia práctica en el laboratorio, en el campus médico, para "
            "estudiantes de preparatoria de St. Louis: un proyecto de investigación con un "
            "mentor, talleres semanales sobre carreras en medicina y ciencia, y un póster en el "
            "simposio de clausura. Se paga un estipendio de $1,000 en dos partes. Un programa "
            "inventado para la demostración de Equity Hub."
        ),
        eligibility=(
            "Students in grades 9 to 12 who live in St. Louis City or St. Louis County. "
            "Applicants under 18 need the consent of a parent or legal guardian, given through "
            "the guardian's own e-mail link."
        ),
        eligibility_es=(
            "Estudiantes de los grados 9 a 12 que viven en la ciudad o el condado de St. Louis. "
            "Quienes tengan menos de 18 años necesitan el consentimiento de su madre, padre o "
            "tutor legal, dado a través del enlace que recibe por correo electrónico."
        ),
        seats=12,
        opens=(2, 1),
        closes=(3, 31),
        decided=(4, 25),
        starts=(6, 16),
        ends=(7, 25),
        fields=K12_FIELDS,
        criteria=(
            DemoCriterion(
                "Curiosity and motivation",
                "Asks real questions and wants to find the answers; explains why science.",
                "2",
            ),
            DemoCriterion(
                "Readiness for the lab",
                "Coursework, persistence and care; what the student has tried on their own.",
                "1",
            ),
            DemoCriterion(
                "What the program would add",
                "How much the student would gain that school and home do not already offer.",
                "1.5",
            ),
        ),
        sessions=(
            "Orientation and lab safety",
            "Pipetting and the scientific method",
            "DNA extraction lab",
            "Meet a physician-scientist",
            "Data analysis workshop",
            "Careers in medicine panel",
            "Poster preparation",
            "Closing symposium",
        ),
        session_place="Medical campus teaching laboratory (fictional room)",
        capstones=(
            "Does caffeine change how fast yeast grows?",
            "Mapping asthma triggers near my school",
            "Water hardness across St. Louis neighborhoods",
            "Heart-rate recovery after exercise in teenagers",
            "Bacteria on shared phones: a classroom survey",
            "A low-cost spectrophotometer from a smartphone",
            "Sleep and reaction time in high-school students",
            "Which household cleaners kill the most bacteria?",
            "Heat islands and tree cover on my street",
            "Memory and music: does studying with music help?",
            "Fruit flies and sugar: a feeding experiment",
            "Sunscreen strength under ultraviolet light",
        ),
        stipend_payments=("500.00", "500.00"),
        # The third reviewer is the demo's reviewer login (`core.demo_data.LOGINS`).
        reviewer_titles=("Assistant Professor of Medicine", "Instructor in Pediatrics"),
        leader=("Academy director", "staff"),
        mentors=(
            ("Graduate student mentor", "graduate_student"),
            ("Medical student mentor", "medical_student"),
            ("Research coordinator and mentor", "staff"),
            ("Medical student mentor", "medical_student"),
        ),
        rates=DemoRates(
            high_school=0.97, college_entry=0.9, stem_major=0.7, early_college=0.4, degree=0.9
        ),
        min_grade=9,
        max_grade=12,
        blind_review=True,
        lives_in_st_louis=True,
    ),
    DemoProgram(
        name=COLLEGE_NAME,
        short_name="Summer Undergraduate Research Program",
        stage="college",
        sponsor=d.SCHOOL_OF_MEDICINE,
        description=(
            "Ten weeks of full-time research in a School of Medicine laboratory or clinic for "
            "college students, with a faculty mentor, a weekly seminar, preparation for medical "
            "and graduate school applications, and a talk at the closing symposium. A $4,000 "
            "stipend. A made-up program for the Equity Hub demo."
        ),
        description_es=(
            "Diez semanas de investigación a tiempo completo en un laboratorio o una clínica de "
            "la Facultad de Medicina para estudiantes universitarios, con un mentor docente, un "
            "seminario semanal, preparación para solicitar ingreso a la escuela de medicina o de "
            "posgrado y una presentación en el simposio de clausura. Un estipendio de $4,000. Un "
            "programa inventado para la demostración de Equity Hub."
        ),
        eligibility=(
            "Undergraduates who have finished at least their first year of college, at any "
            "college or university, who are 18 or older by the start of the program."
        ),
        eligibility_es=(
            "Estudiantes universitarios que hayan terminado al menos su primer año, de cualquier "
            "universidad, con 18 años o más al comenzar el programa."
        ),
        seats=10,
        opens=(1, 6),
        closes=(2, 15),
        decided=(3, 20),
        starts=(5, 27),
        ends=(8, 1),
        fields=COLLEGE_FIELDS,
        criteria=(
            DemoCriterion(
                "Research interest and fit",
                "A clear question or direction, and a lab or clinic where it can grow.",
                "3",
                10,
            ),
            DemoCriterion(
                "Academic preparation",
                "Coursework and experience that make ten weeks of research productive.",
                "2",
            ),
            DemoCriterion(
                "Recommendation",
                "What the recommender has seen the student do.",
                "1",
            ),
        ),
        sessions=(
            "Orientation and responsible conduct of research",
            "Journal club",
            "Seminar: research for health equity",
            "Statistics workshop",
            "Applying to medical and graduate school",
            "Writing an abstract",
            "Mock interviews",
            "Research symposium",
        ),
        session_place="Medical campus seminar room (fictional room)",
        capstones=(
            "Blood-pressure control by ZIP code in a simulated clinic population",
            "A zebrafish model of kidney injury: a pilot",
            "Patient navigation and missed appointments: a chart review plan",
            "Screening for food insecurity in a pediatric clinic",
            "Machine-learning triage of chest radiographs: a replication",
            "Sickle cell disease and school absences: a survey design",
            "Neighborhood walkability and adolescent activity",
            "Barriers to colorectal cancer screening: interviews",
            "Gut microbiome changes after antibiotics in mice",
            "Telehealth use after the pandemic among older adults",
        ),
        stipend_payments=("2000.00", "2000.00"),
        reviewer_titles=(
            "Associate Professor of Medicine",
            "Assistant Dean for Admissions",
            "Research Associate Professor of Genetics",
        ),
        leader=("Program director", "faculty"),
        mentors=(
            ("Assistant Professor of Medicine", "faculty"),
            ("Associate Professor of Genetics", "faculty"),
            ("Assistant Professor of Surgery", "faculty"),
            ("Research Assistant Professor of Neurology", "faculty"),
        ),
        rates=DemoRates(degree=0.93, applied_med=0.65, admitted_med=0.6, matriculated=0.95),
        min_age=18,
    ),
    DemoProgram(
        name=RESIDENTS_NAME,
        short_name="Residents and Fellows Diversity Initiative",
        stage="resident_fellow",
        sponsor=d.BJC,
        description=(
            "A year of leadership development, mentorship and a scholarly or community project "
            "for residents and fellows from groups underrepresented in medicine, starting with "
            "a summer series of workshops. A made-up program for the Equity Hub demo."
        ),
        description_es=(
            "Un año de desarrollo de liderazgo, mentoría y un proyecto académico o comunitario "
            "para residentes y especialistas en formación de grupos subrepresentados en la "
            "medicina, que comienza con una serie de talleres en el verano. Un programa "
            "inventado para la demostración de Equity Hub."
        ),
        eligibility=(
            "Residents and fellows of the hospitals' training programs. An acceptance takes "
            "effect once the applicant's program director agrees to protected time."
        ),
        eligibility_es=(
            "Residentes y especialistas en formación de los programas de los hospitales. La "
            "aceptación es efectiva cuando el director del programa acepta dar tiempo protegido."
        ),
        seats=8,
        opens=(1, 15),
        closes=(3, 1),
        decided=(4, 10),
        starts=(6, 9),
        ends=(8, 8),
        fields=RESIDENTS_FIELDS,
        criteria=(
            DemoCriterion(
                "Leadership and commitment to equity",
                "What the applicant has led, and for whom.",
                "2",
            ),
            DemoCriterion(
                "Strength of the project",
                "A feasible project with a clear benefit to patients or trainees.",
                "1.5",
            ),
            DemoCriterion(
                "Mentorship plan",
                "A mentor who has agreed, and a plan to meet.",
                "1",
            ),
        ),
        sessions=(
            "Leadership retreat",
            "Mentoring across difference",
            "Scholarly project workshop",
            "Negotiation and career planning",
            "Grand rounds presentations",
            "Closing dinner and certificates",
        ),
        session_place="Hospital conference center (fictional room)",
        capstones=(
            "An implicit-bias curriculum for interns",
            "Interpreter use on night shifts: a quality project",
            "A pipeline talk series at a North County high school",
            "Mentoring first-generation medical students: a pilot",
            "Language-concordant discharge instructions",
            "Recruiting a more diverse applicant pool: an audit",
            "Hypertension follow-up after emergency visits",
            "A peer-support program for residents who are parents",
        ),
        stipend_payments=(),
        reviewer_titles=(
            "Professor of Pediatrics",
            "Vice Chair for Diversity, Medicine",
            "Associate Program Director, Internal Medicine",
        ),
        leader=("Initiative director", "faculty"),
        mentors=(
            ("Associate Professor of Medicine", "faculty"),
            ("Professor of Obstetrics and Gynecology", "faculty"),
            ("Assistant Professor of Emergency Medicine", "faculty"),
            ("Associate Professor of Psychiatry", "faculty"),
        ),
        rates=DemoRates(faculty=0.45),
        needs_director_approval=True,
    ),
)

# The comparison groups of the K-12 program, one per cohort year (names are unique per program).
COMPARISON_NAME = (
    "District students of the same years who did not take part, {year} cohort (fictional)"
)
COMPARISON_DESCRIPTION = (
    "Made-up students of the same high schools and grades in the same year who did not take "
    "part in the academy, followed through district records and the clearinghouse-style "
    "import (fictional)."
)
COMPARISON_SIZE = 60
COMPARISON_RATES = DemoRates(
    high_school=0.84, college_entry=0.55, stem_major=0.3, early_college=0.1, degree=0.8
)

# Letters, shared by the three programs ({name}, {program}, {cycle}, {waitlist_position}).
LETTERS: dict[tuple[str, str], tuple[str, str]] = {
    ("accepted", "en"): (
        "Welcome to {program}",
        "Dear {name},\n\nCongratulations! You have been accepted to {program} ({cycle}). We "
        "were impressed by your application and look forward to working with you this "
        "summer.\n\nPlease confirm your place within two weeks from your Equity Hub page. "
        "We will send the schedule, your mentor's name and what to bring before the first "
        "day.\n\nWith warm regards,\nThe program team",
    ),
    ("accepted", "es"): (
        "Bienvenida a {program}",
        "Estimado/a {name}:\n\n¡Felicitaciones! Has sido aceptado/a en {program} ({cycle}). "
        "Tu solicitud nos impresionó y esperamos trabajar contigo este verano.\n\nPor favor, "
        "confirma tu lugar en las próximas dos semanas desde tu página de Equity Hub. Te "
        "enviaremos el horario, el nombre de tu mentor y qué traer antes del primer día.\n\n"
        "Con un saludo cordial,\nEl equipo del programa",
    ),
    ("waitlisted", "en"): (
        "Your application to {program}: waitlist",
        "Dear {name},\n\nThank you for applying to {program} ({cycle}). We had more strong "
        "applicants than places, and you are number {waitlist_position} on our waitlist. If a "
        "place opens, we will write to you at once; you do not need to do anything now.\n\n"
        "With warm regards,\nThe program team",
    ),
    ("waitlisted", "es"): (
        "Tu solicitud a {program}: lista de espera",
        "Estimado/a {name}:\n\nGracias por solicitar ingreso a {program} ({cycle}). Tuvimos "
        "más solicitudes excelentes que lugares, y tienes el número {waitlist_position} en "
        "nuestra lista de espera. Si se abre un lugar, te escribiremos de inmediato; no "
        "necesitas hacer nada por ahora.\n\nCon un saludo cordial,\nEl equipo del programa",
    ),
    ("rejected", "en"): (
        "Your application to {program}",
        "Dear {name},\n\nThank you for applying to {program} ({cycle}). We are sorry that we "
        "cannot offer you a place this year: we had many more applicants than places. We hope "
        "you will apply again, and we would be glad to suggest other programs in the "
        "meantime.\n\nWith warm regards,\nThe program team",
    ),
    ("rejected", "es"): (
        "Tu solicitud a {program}",
        "Estimado/a {name}:\n\nGracias por solicitar ingreso a {program} ({cycle}). Lamentamos "
        "no poder ofrecerte un lugar este año: tuvimos muchas más solicitudes que lugares. "
        "Esperamos que vuelvas a presentar tu solicitud, y con gusto te sugeriremos otros "
        "programas mientras tanto.\n\nCon un saludo cordial,\nEl equipo del programa",
    ),
}

# Answers to the long questions (made up), by program stage and language.
ESSAYS: dict[tuple[str, str], tuple[str, ...]] = {
    ("k12", "en"): (
        "My grandmother has diabetes and I want to know why some medicines work for her and "
        "not for others. I would like to learn how scientists test a new medicine.",
        "Why do some kids at my school get asthma attacks and others do not? I think the air "
        "near the highway might be part of it, and I want to measure it.",
        "I like taking things apart. I want to know how the brain stores a memory and whether "
        "you can make it stronger by sleeping more.",
        "I want to study the water in our neighborhood. Our pipes are old and I wonder what "
        "is in the water and how it affects health.",
        "I want to be a nurse or a doctor. I would like to see what research looks like and "
        "learn how to ask a question that can be tested.",
        "How do bacteria become resistant to antibiotics? My cousin had an infection that "
        "would not go away and I want to understand why.",
    ),
    ("k12", "es"): (
        "Mi abuela tiene diabetes y quiero saber por qué algunos medicamentos le funcionan y "
        "otros no. Me gustaría aprender cómo los científicos prueban un medicamento nuevo.",
        "¿Por qué algunos estudiantes de mi escuela tienen ataques de asma y otros no? Creo "
        "que el aire cerca de la autopista tiene algo que ver y quiero medirlo.",
        "Quiero estudiar el agua de mi barrio. Las tuberías son viejas y me pregunto qué hay "
        "en el agua y cómo afecta la salud.",
        "Quiero ser enfermera o doctora. Me gustaría ver cómo es la investigación y aprender "
        "a hacer una pregunta que se pueda comprobar.",
    ),
    ("college", "en"): (
        "Working as a medical scribe showed me how often patients from my neighborhood miss "
        "follow-up visits. I want to learn research methods to study why, and to fix it.",
        "In my genetics course I loved the lab sections most. I want a summer at the bench to "
        "find out whether a PhD or an MD-PhD is right for me.",
        "I am the first in my family to go to college. I want to do research on chronic "
        "disease in communities like mine, and to apply to medical school.",
        "My statistics minor made me curious about how data can show where care falls short. "
        "I would like to work on a project with real clinical data.",
    ),
    ("college", "es"): (
        "Soy la primera persona de mi familia en ir a la universidad. Quiero investigar las "
        "enfermedades crónicas en comunidades como la mía y luego estudiar medicina.",
        "Trabajar como intérprete en una clínica me mostró cuántos pacientes no entienden sus "
        "instrucciones. Quiero estudiar cómo mejorar la comunicación.",
    ),
    ("resident_fellow", "en"): (
        "I would build a mentoring program that pairs interns from underrepresented groups "
        "with faculty outside their department, and measure retention over two years.",
        "I propose a quality project on interpreter use overnight, where we see the largest "
        "gap, with a simple intervention and a six-month follow-up.",
        "I would lead a series of career talks at a North County high school, run by "
        "residents, and follow the students who take part.",
        "My project would audit our program's recruitment and interview process for bias, "
        "and pilot a structured interview.",
    ),
    ("resident_fellow", "es"): (
        "Propongo un proyecto de calidad sobre el uso de intérpretes en el turno de noche, "
        "con una intervención sencilla y un seguimiento de seis meses.",
    ),
}

REVIEW_COMMENTS: tuple[str, ...] = (
    "A thoughtful application; the question is specific and well motivated.",
    "Strong motivation, less preparation so far; the program would add a lot.",
    "Clear goals and a good fit with the program.",
    "Enthusiastic, but the plan is vague; worth a conversation.",
    "Solid preparation; the essay could say more about why.",
    "",
    "",
)

CAPSTONE_SUMMARY = (
    "A made-up capstone for the Equity Hub demo: the question, the methods tried over the "
    "summer and what the participant would do next."
)
LETTER_PDF_LINES = (
    "A fictional letter of recommendation made up for the Equity Hub demo;",
    "no real person wrote it.",
)
