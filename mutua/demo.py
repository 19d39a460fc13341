"""The demo network: a realistic Riverside with four pods, loaded through the real services.

Every member, pod membership, request, claim, message and offer is made by the same service a
member's click would call, so the demo obeys the same rules as real use. Only afterwards are the
timestamps moved into the past (plain ``UPDATE``\\s) so the demo has a few weeks of history.

Phone numbers use the NANP range reserved for fiction, 555-0100 to 555-0199, behind a real area
code (503): ``phonenumbers`` rejects +1 555 numbers, but accepts +1 503 555 01xx as valid while
no real line has such a number. Email addresses use the reserved ``.example`` top-level domain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import TypeVar
from zoneinfo import ZoneInfo

from django.db import connection, models, transaction
from django.db.models import Q
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from mutua.agreements import services as agreements
from mutua.agreements.models import Agreement, AgreementReview, AgreementVersion, Signature
from mutua.agreements.services import AgreementText
from mutua.audit.models import AuditEvent
from mutua.decisions import services as decisions
from mutua.decisions.models import Meeting, Proposal, Vote
from mutua.decisions.owners import Owner
from mutua.deliveries import services as deliveries
from mutua.deliveries.models import DeliveryRun, RunDriver, RunStop
from mutua.exchange import services as exchange
from mutua.exchange.models import Invitation, Message, Offer, Request, Scope, StatusChange
from mutua.groups import services as groups
from mutua.groups.models import GroupMembership, WorkingGroup
from mutua.members import services as members
from mutua.members.models import (
    Household,
    Member,
    MemberSkill,
    Network,
    NetworkMembership,
    Pod,
    PodMembership,
    SignInCode,
    User,
)
from mutua.orientation import services as orientation
from mutua.orientation.models import CommitmentDeferral, EmergencyContact
from mutua.schedules import services as schedules
from mutua.schedules.models import (
    MemberPause,
    Role,
    RoleCompetence,
    RoleHolder,
    Shift,
    SwapRequest,
)

DEMO_NETWORK_SLUG = "riverside-mutual-aid"
DEMO_EMAIL_DOMAIN = "riverside.example"
PHONE_PREFIX = "+150355501"  # + two digits: 555-0100..0199, the range reserved for fiction

# Loading sends dozens of notification emails. They must neither be queued as database tasks
# (the worker would print them all) nor printed: run tasks inline into an in-memory outbox.
QUIET_NOTIFICATIONS = {
    "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
}

T = TypeVar("T")


# --- The people and their pods ------------------------------------------------------------


@dataclass(frozen=True)
class DemoPod:
    key: str
    name: str
    area: str
    description: str


@dataclass(frozen=True)
class DemoPerson:
    key: str  # also the local part of the email address
    name: str
    language: str
    pod: str
    household: str
    phone: str = ""  # last two digits of 503-555-01xx
    channel: str = Member.Channel.EMAIL
    notify: tuple[str, ...] = ()


PODS = (
    DemoPod(
        "maple",
        "Maple Street",
        "Maple St, between 3rd and 7th",
        "Six households on Maple Street. We meet the first Sunday of the month at the library.",
    ),
    DemoPod(
        "luna",
        "Luna Park",
        "Eastside, around Luna Park",
        "Vecinos alrededor del parque Luna. Hablamos español e inglés. "
        "Neighbours around Luna Park; we speak Spanish and English.",
    ),
    DemoPod(
        "oak",
        "Oak Court",
        "Oak Court",
        "Two households on Oak Court for now: neighbours welcome!",
    ),
    DemoPod(
        "riverbend",
        "Riverbend Apartments",
        "Riverbend Apartments, River Rd",
        "Tenants of Riverbend Apartments. We have grown to nine households and are talking "
        "about splitting into two pods, one per building.",
    ),
)

# In joining order. The first person of each pod is welcomed by the network organizer; everyone
# after is welcomed by the neighbour who joined just before them.
PEOPLE = (
    DemoPerson("tom", "Tom Becker", "en", "maple", "Becker-Nguyen household", "01"),
    DemoPerson("amara", "Amara Okafor", "en", "maple", "Okafor household", "02"),
    DemoPerson("linh", "Linh Nguyen", "en", "maple", "Becker-Nguyen household", "03"),
    DemoPerson("rosa", "Rosa Martínez", "es", "maple", "Casa Martínez", "04", Member.Channel.SMS),
    DemoPerson("priya", "Priya Raman", "en", "maple", "Raman household", "05"),
    DemoPerson(
        "walter", "Walter Jenkins", "en", "maple", "Jenkins household", "06", Member.Channel.PHONE
    ),
    DemoPerson("fatima", "Fatima Haddad", "en", "maple", "Haddad household", "07"),
    DemoPerson("yusuf", "Yusuf Haddad", "en", "maple", "Haddad household"),
    DemoPerson(
        "maria", "María González", "es", "luna", "Familia González", "11", Member.Channel.SMS
    ),
    DemoPerson("jose", "José González", "es", "luna", "Familia González", "12"),
    DemoPerson(
        "lucia",
        "Lucía Fernández",
        "es",
        "luna",
        "Casa Fernández",
        "13",
        notify=("childcare", "food", "meals"),
    ),
    DemoPerson("diego", "Diego Ramírez", "es", "luna", "Casa Ramírez", "14", notify=("rides",)),
    DemoPerson("carmen", "Carmen Ruiz", "es", "luna", "Casa Ruiz", "15", Member.Channel.SMS),
    DemoPerson(
        "kevin",
        "Kevin O'Brien",
        "en",
        "luna",
        "O'Brien household",
        notify=("errands", "rides", "other"),
    ),
    DemoPerson("hiroshi", "Hiroshi Tanaka", "en", "oak", "Tanaka household", "21"),
    DemoPerson("emi", "Emi Tanaka", "en", "oak", "Tanaka household"),
    DemoPerson("grace", "Grace Mensah", "en", "oak", "Mensah household", "22"),
    DemoPerson("sofia", "Sofía Herrera", "es", "riverbend", "Herrera, apt. A-102", "31"),
    DemoPerson("marcus", "Marcus Johnson", "en", "riverbend", "Johnson, apt. A-204", "32"),
    DemoPerson("elena", "Elena Popescu", "en", "riverbend", "Popescu, apt. A-301"),
    DemoPerson("andres", "Andrés Castillo", "es", "riverbend", "Castillo, apt. B-101", "33"),
    DemoPerson("gabriela", "Gabriela Castillo", "es", "riverbend", "Castillo, apt. B-101", "34"),
    DemoPerson(
        "daniel",
        "Daniel Cohen",
        "en",
        "riverbend",
        "Cohen, apt. B-203",
        notify=("errands", "other", "housing"),
    ),
    DemoPerson("aisha", "Aisha Bello", "en", "riverbend", "Bello, apt. B-305", "35"),
    DemoPerson("luis", "Luis Morales", "es", "riverbend", "Morales, apt. C-104", "36"),
    DemoPerson("nora", "Nora Lindqvist", "en", "riverbend", "Lindqvist, apt. C-210"),
    DemoPerson(
        "samuel",
        "Samuel Osei",
        "en",
        "riverbend",
        "Osei, apt. C-302",
        "37",
        notify=("medical_supplies", "errands", "food"),
    ),
    DemoPerson("abena", "Abena Osei", "en", "riverbend", "Osei, apt. C-302"),
)
ORGANIZER = "amara"
# Asked to join the small Oak Court pod yesterday; waiting to be welcomed.
NEWCOMER = DemoPerson("jamal", "Jamal Wright", "en", "oak", "", "41")
NEWCOMER_MESSAGE = "Hi! I just moved into number 9. Happy to help with rides and yard work."


# --- Offers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoOffer:
    key: str
    offerer: str
    category: str
    description: str
    quantity: str
    availability: str
    days_ago: float
    scope: str = Scope.NETWORK
    available_for_days: float | None = None
    is_withdrawn: bool = False


OFFERS = (
    DemoOffer(
        "fatima_meals",
        "fatima",
        "meals",
        "Home-cooked dinners (halal; vegetarian on request), delivered warm",
        "2 meals every second Tuesday",
        "Every second Tuesday, after 6 pm",
        40,
    ),
    DemoOffer(
        "marcus_groceries",
        "marcus",
        "groceries",
        "Saturday grocery run to Fresh Market on 5th: I shop for you or bring you along",
        "Car with 4 seats; room for 3 households' shopping",
        "Saturdays 9 am to noon",
        35,
    ),
    DemoOffer(
        "diego_rides",
        "diego",
        "rides",
        "Te llevo a citas médicas o al trabajo en mi camioneta",
        "2 viajes por semana",
        "De lunes a viernes por la tarde",
        30,
    ),
    DemoOffer(
        "lucia_childcare",
        "lucia",
        "childcare",
        "Cuido niños en casa los domingos por la tarde; tengo experiencia y muchos juegos",
        "Hasta 3 niños",
        "Domingos de 1 a 6 pm",
        28,
    ),
    DemoOffer(
        "priya_listening",
        "priya",
        "emotional_support",
        "A listening ear: a phone call or a walk round the park, no advice unless you want it",
        "An hour or two a week",
        "Weekday evenings",
        26,
    ),
    DemoOffer(
        "daniel_repairs",
        "daniel",
        "errands",
        "Small repairs: shelves, leaky taps, flat-pack furniture. I bring my own tools.",
        "A couple of hours a week",
        "Weekends",
        25,
    ),
    DemoOffer(
        "kevin_moving",
        "kevin",
        "errands",
        "A strong back and a hand truck for moving heavy things",
        "One job a week",
        "Sunday afternoons",
        22,
    ),
    DemoOffer(
        "carmen_tamales",
        "carmen",
        "food",
        "Tamales caseros (de pollo y de rajas) para quien los necesite",
        "Una docena cada quince días",
        "Viernes por la tarde",
        21,
        scope=Scope.POD,
    ),
    DemoOffer(
        "elena_forms",
        "elena",
        "other",
        "Help with forms in English or Romanian: benefits, leases, letters from school",
        "One or two sessions a week",
        "Tuesday and Thursday evenings",
        20,
    ),
    DemoOffer(
        "samuel_equipment",
        "samuel",
        "medical_supplies",
        "To lend: a wheelchair, a walker, crutches and a shower chair",
        "As long as you need them",
        "Any day; call ahead",
        45,
    ),
    DemoOffer(
        "jose_room",
        "jose",
        "housing",
        "Cuarto libre para una emergencia: cama doble y baño propio",
        "Hasta 3 noches",
        "Avisar un día antes si se puede",
        19,
    ),
    DemoOffer(
        "amara_fund",
        "amara",
        "money",
        "Small gifts from the network's solidarity pot, no questions asked",
        "Up to $100 at a time",
        "Any time: just ask",
        50,
    ),
    DemoOffer(
        "walter_garden",
        "walter",
        "food",
        "Tomatoes, zucchini and seedlings from my garden, and gardening tips for free",
        "A basket a week while the season lasts",
        "Mornings",
        15,
        scope=Scope.POD,
        available_for_days=45,
    ),
    DemoOffer(
        "andres_bikes",
        "andres",
        "errands",
        "Arreglo bicicletas gratis: frenos, cadenas, pinchazos",
        "Una o dos bicis por semana",
        "Sábados por la mañana",
        14,
    ),
    DemoOffer(
        "hiroshi_rides",
        "hiroshi",
        "rides",
        "Early-morning rides to the airport or the train station",
        "Once a week",
        "Weekdays before 8 am",
        33,
    ),
    DemoOffer(
        "rosa_sewing",
        "rosa",
        "other",
        "Arreglos de costura: dobladillos, botones, cremalleras",
        "Lo que haga falta",
        "Por las tardes",
        12,
        scope=Scope.POD,
    ),
    DemoOffer(
        "sofia_school",
        "sofia",
        "childcare",
        "Puedo recoger niños de la escuela Lincoln junto con los míos",
        "Hasta 2 niños más",
        "Lunes y miércoles a las 3 pm",
        10,
        available_for_days=60,
    ),
    DemoOffer(
        "tom_homework",
        "tom",
        "other",
        "Homework help in math and science for middle and high schoolers",
        "Two afternoons a week",
        "Mondays and Wednesdays after 4 pm",
        18,
    ),
    DemoOffer(
        "linh_haircuts",
        "linh",
        "other",
        "Haircuts at home for kids and grown-ups",
        "Four or five a month",
        "Sunday mornings",
        23,
        scope=Scope.POD,
    ),
    DemoOffer(
        "yusuf_bike",
        "yusuf",
        "errands",
        "Bike deliveries of small things anywhere in Riverside: keys, medicine, documents",
        "A few trips a week",
        "Afternoons after class",
        16,
    ),
    DemoOffer(
        "maria_soup",
        "maria",
        "meals",
        "Sopa casera de pollo para quien esté enfermo",
        "4 porciones cada domingo",
        "Domingos al mediodía",
        29,
    ),
    DemoOffer(
        "gabriela_interpreting",
        "gabriela",
        "other",
        "Acompaño a citas médicas o de la escuela y traduzco del inglés al español",
        "Una o dos citas por semana",
        "Mañanas entre semana",
        13,
    ),
    DemoOffer(
        "aisha_nurse",
        "aisha",
        "medical_supplies",
        "I'm a nurse: blood pressure checks and help sorting out medications and pill boxes",
        "An hour a week",
        "Thursday evenings",
        11,
    ),
    DemoOffer(
        "abena_jollof",
        "abena",
        "food",
        "A big pot of jollof rice or groundnut soup to share",
        "Enough for two families",
        "Sundays",
        9,
    ),
    DemoOffer(
        "emi_naps",
        "emi",
        "emotional_support",
        "New parent? I'll come over for an hour so you can nap or shower",
        "Once or twice a week",
        "Weekday mornings",
        7,
        scope=Scope.POD,
    ),
    DemoOffer(
        "grace_tech",
        "grace",
        "other",
        "Help with phones and computers: video calls, passwords, online forms",
        "A couple of hours a week",
        "Saturday afternoons",
        26,
    ),
    DemoOffer(
        "nora_coats",
        "nora",
        "other",
        "Kids' winter coats, sizes 4 to 10",
        "About a dozen",
        "",
        60,
        scope=Scope.POD,
        is_withdrawn=True,
    ),
)


# --- Requests -----------------------------------------------------------------------------

# After asking: the helper claims 3 hours later, messages follow every 40 minutes, a release
# comes 5 hours after the claim, "done" a day after it, the confirmation 5 hours after that.
CLAIM_AFTER = timedelta(hours=3)
MESSAGE_EVERY = timedelta(minutes=40)
RELEASE_AFTER = timedelta(hours=5)
FULFIL_AFTER = timedelta(hours=26)
CONFIRM_AFTER = timedelta(hours=5)
CANCEL_AFTER = timedelta(hours=30)


@dataclass(frozen=True)
class DemoRequest:
    requester: str
    category: str
    summary: str
    days_ago: float
    # open, released (claimed then handed back: open again), claimed, fulfilled, confirmed,
    # cancelled
    outcome: str
    helper: str = ""
    scope: str = Scope.NETWORK
    urgency: str = Request.Urgency.NORMAL
    needed_days: float | None = None  # needed by, counted from when it was asked
    from_days: float | None = None  # needed from, likewise
    address: str = ""
    details: str = ""
    access_notes: str = ""
    contact_phone: str = ""
    offer: str = ""  # the offer this request answers (matched with its offerer in one step)
    messages: tuple[tuple[str, str], ...] = field(default=())  # (author, text)
    skill: str = ""  # for matching: a skill or certificate the helper must hold
    language: str = ""  # for matching: a language the helper must speak


REQUESTS = (
    # Met and confirmed: the last few weeks of history, one or more in every category.
    DemoRequest(
        "sofia",
        "food",
        "Comida para la semana: somos cuatro en casa",
        24,
        "confirmed",
        helper="marcus",
        needed_days=3,
        address="900 River Rd, Riverbend Apts A-102",
        details="Sin cerdo, por favor. Los niños comen de todo.",
    ),
    DemoRequest(
        "gabriela",
        "groceries",
        "Compra semanal: leche, huevos, arroz y frijoles",
        17,
        "confirmed",
        helper="luis",
        needed_days=2,
        address="900 River Rd, Riverbend Apts B-101",
    ),
    DemoRequest(
        "walter",
        "meals",
        "Two home-cooked dinners while I recover from a fall",
        20,
        "confirmed",
        offer="fatima_meals",
        scope=Scope.POD,
        needed_days=7,
        address="1432 Maple St",
        details="Low salt, doctor's orders. I can't stand for long yet.",
        access_notes="Side door; the front steps are slippery.",
        messages=(
            ("fatima", "Hi Walter, I'll bring lentil soup and chicken with rice on Tuesday."),
            ("walter", "That sounds wonderful. Thank you, Fatima."),
        ),
    ),
    DemoRequest(
        "tom",
        "childcare",
        "School pickup for Mia on Wednesday, 3:15 pm at Lincoln Elementary",
        13,
        "confirmed",
        helper="rosa",
        scope=Scope.POD,
        needed_days=2,
        details="Mia is 7. The school office knows Rosa will come; she has the password.",
        contact_phone=PHONE_PREFIX + "01",
    ),
    DemoRequest(
        "grace",
        "rides",
        "Ride to the airport early Saturday morning",
        27,
        "confirmed",
        helper="hiroshi",
        needed_days=3,
        address="4 Oak Court",
        details="Flight at 7:40, so leaving at 5:30. One suitcase.",
    ),
    DemoRequest(
        "aisha",
        "medical_supplies",
        "Borrow crutches for about a month",
        22,
        "confirmed",
        helper="samuel",
        needed_days=2,
        address="900 River Rd, Riverbend Apts B-305",
        details="Sprained ankle. I'm 5'6\".",
    ),
    DemoRequest(
        "kevin",
        "errands",
        "Help getting an old couch down to the curb for bulk pickup",
        15,
        "confirmed",
        helper="jose",
        needed_days=4,
        address="318 Luna Park Ave",
    ),
    DemoRequest(
        "luis",
        "housing",
        "Necesito un lugar para dormir dos noches mientras arreglan la calefacción",
        10,
        "confirmed",
        helper="andres",
        needed_days=1,
        details="Solo yo, llevo mi saco de dormir.",
    ),
    DemoRequest(
        "yusuf",
        "money",
        "$60 toward this month's bus pass",
        18,
        "confirmed",
        helper="amara",
        needed_days=5,
    ),
    DemoRequest(
        "linh",
        "emotional_support",
        "Someone to talk to this week: my mom is in the hospital",
        9,
        "confirmed",
        helper="priya",
        scope=Scope.POD,
        details="Evenings are hardest. A phone call is perfect.",
    ),
    DemoRequest(
        "abena",
        "other",
        "Help filling in a rental assistance application",
        12,
        "confirmed",
        helper="elena",
        needed_days=6,
        details="The deadline is the 15th. I have all the papers, just not the patience.",
    ),
    DemoRequest(
        "maria",
        "food",
        "Frutas y verduras para la semana",
        6,
        "confirmed",
        helper="carmen",
        scope=Scope.POD,
        needed_days=3,
        address="521 Luna Park Ave, apt. 3",
    ),
    DemoRequest(
        "amara",
        "errands",
        "Water my plants and feed the cat while I'm away for a week",
        16,
        "confirmed",
        helper="linh",
        scope=Scope.POD,
        needed_days=2,
        address="1401 Maple St",
        access_notes="Key under the blue flowerpot. Cat food is in the pantry.",
    ),
    DemoRequest(
        "fatima",
        "rides",
        "Ride to Friday prayers while my car is in the shop",
        11,
        "confirmed",
        helper="tom",
        scope=Scope.POD,
        needed_days=2,
        address="1450 Maple St",
    ),
    # Done by the helper, waiting for the requester to confirm.
    DemoRequest(
        "nora",
        "errands",
        "Pick up a prescription at the Main St pharmacy",
        2,
        "fulfilled",
        helper="samuel",
        needed_days=1,
        address="900 River Rd, Riverbend Apts C-210",
        details="It's under Lindqvist, already paid. Leave it with the front desk.",
    ),
    # Being helped with right now, with a message thread.
    DemoRequest(
        "hiroshi",
        "food",
        "Baby formula, 2 cans: we are out until payday",
        1,
        "claimed",
        helper="grace",
        urgency=Request.Urgency.HIGH,
        needed_days=2,
        address="7 Oak Court",
        details="Similac Pro-Sensitive, the purple can. Our son is 4 months old.",
        messages=(
            ("grace", "I'm going to the pharmacy after work. Is any other brand OK?"),
            ("hiroshi", "Only the sensitive one, sorry. Thank you so much!"),
            ("grace", "Got two cans. I'll drop them by around 7."),
        ),
    ),
    DemoRequest(
        "maria",
        "rides",
        "Viaje a la clínica el martes a las 9 de la mañana",
        3,
        "claimed",
        helper="diego",
        needed_days=5,
        from_days=4,
        address="521 Luna Park Ave, apt. 3",
        details="Cita en la Clínica del Río, calle 12. Voy con mi hijo pequeño.",
        messages=(
            ("diego", "Hola María, paso a las 8:30. ¿Necesitas silla para el niño?"),
            ("maria", "Sí, por favor. ¡Mil gracias, Diego!"),
            ("diego", "Perfecto, la llevo. Nos vemos el martes."),
        ),
    ),
    DemoRequest(
        "gabriela",
        "groceries",
        "Una compra pequeña en el viaje del sábado",
        2,
        "claimed",
        offer="marcus_groceries",
        needed_days=6,
        address="900 River Rd, Riverbend Apts B-101",
        messages=(
            ("gabriela", "Hola Marcus, ¿puedo ir contigo? Solo necesito cosas para la semana."),
            ("marcus", "Of course! Sí, claro. I'll knock at 9 on Saturday."),
        ),
    ),
    # Being helped with: the three go on tomorrow's Luna Park delivery run.
    DemoRequest(
        "carmen",
        "groceries",
        "Alguien que me haga la compra esta semana: tengo el pie enyesado",
        1,
        "claimed",
        helper="kevin",
        scope=Scope.POD,
        needed_days=4,
        address="77 Luna Park Ave",
        details="Leche, pan, huevos, fruta y arroz. Le pago al recibirlo.",
        access_notes="Puerta de atrás, la de delante tiene escaleras.",
        contact_phone=PHONE_PREFIX + "88",
        messages=(
            ("kevin", "Hola Carmen! I'll shop tonight; it comes on tomorrow's delivery run."),
            ("carmen", "¡Gracias, Kevin! Estoy en casa toda la mañana."),
        ),
    ),
    DemoRequest(
        "kevin",
        "food",
        "A food bank box this week: we're between paychecks",
        1.2,
        "claimed",
        helper="diego",
        scope=Scope.POD,
        needed_days=3,
        address="318 Luna Park Ave",
        details="Two adults. No pork, please.",
    ),
    DemoRequest(
        "lucia",
        "food",
        "Una caja del banco de alimentos: esta semana no llego a fin de mes",
        0.8,
        "claimed",
        helper="diego",
        scope=Scope.POD,
        needed_days=3,
        address="240 Luna Park Ave",
        details="Somos tres: mis dos hijos y yo. El pequeño es alérgico a los cacahuetes.",
        access_notes="Si no estoy, déjela con la vecina del 242.",
        messages=(
            ("diego", "Hola Lucía, la caja te llega mañana por la mañana en el reparto."),
            ("lucia", "¡Gracias, Diego! Estoy en casa hasta las 12."),
        ),
    ),
    # Open: waiting for someone to take them.
    DemoRequest(
        "rosa",
        "medical_supplies",
        "Tiras reactivas para el glucómetro: se me acabaron",
        0.2,
        "open",
        scope=Scope.POD,
        urgency=Request.Urgency.URGENT,
        needed_days=0.5,
        address="1418 Maple St, apt. 2",
        details="Soy diabética tipo 2. Marca OneTouch Ultra, una caja de 50.",
        access_notes="El timbre no funciona: llame al teléfono al llegar.",
        language="es",
    ),
    DemoRequest(
        "walter",
        "rides",
        "Ride to my dialysis appointment Thursday morning",
        1,
        "released",
        helper="kevin",
        urgency=Request.Urgency.HIGH,
        needed_days=4,
        from_days=3,
        address="1432 Maple St",
        details="Riverside Kidney Center, 8 am. I use a cane, no wheelchair needed.",
        access_notes="Side door; the front steps are slippery.",
        skill="driver's licence",
    ),
    DemoRequest(
        "lucia",
        "childcare",
        "Alguien que cuide a mis dos hijos (4 y 7 años) el sábado por la mañana",
        2,
        "open",
        needed_days=5,
        from_days=4,
        address="240 Luna Park Ave",
        details="Tengo turno doble en el hospital. El pequeño es alérgico a los cacahuetes.",
        language="es",
    ),
    DemoRequest(
        "marcus",
        "housing",
        "A spare room for 3 nights while our apartment is fumigated",
        3,
        "open",
        needed_days=12,
        from_days=9,
        details="Me and my partner. We can bring an air mattress.",
    ),
    DemoRequest(
        "grace",
        "errands",
        "Help carrying a new mattress up two flights of stairs",
        1.5,
        "open",
        scope=Scope.POD,
        needed_days=6,
        address="4 Oak Court",
    ),
    DemoRequest(
        "andres",
        "money",
        "Ayuda con $120 para la factura de la luz antes del corte del viernes",
        0.5,
        "open",
        urgency=Request.Urgency.URGENT,
        needed_days=3,
        details="Puedo mostrar la factura. Ya pagamos una parte.",
    ),
    DemoRequest(
        "elena",
        "emotional_support",
        "Someone to walk with in the evenings: it has been a hard month",
        4,
        "open",
        scope=Scope.POD,
        urgency=Request.Urgency.LOW,
    ),
    DemoRequest(
        "daniel",
        "other",
        "Borrow a tall ladder to clean the gutters",
        5,
        "open",
        urgency=Request.Urgency.LOW,
        needed_days=14,
    ),
    DemoRequest(
        "priya",
        "meals",
        "A few dinners for my family the week after my surgery",
        2,
        "open",
        scope=Scope.POD,
        needed_days=14,
        from_days=8,
        address="1506 Maple St",
        details="Four of us, vegetarian. Drop-offs on the porch cooler are perfect.",
        skill="food handling",
    ),
    DemoRequest(
        "samuel",
        "food",
        "Rice, beans and cooking oil for a family of five",
        3,
        "open",
        needed_days=5,
        address="900 River Rd, Riverbend Apts C-302",
    ),
    DemoRequest(
        "jose",
        "other",
        "Préstamo de una carriola doble para la visita de mis nietos",
        2,
        "open",
        urgency=Request.Urgency.LOW,
        needed_days=10,
    ),
    # No longer needed.
    DemoRequest(
        "diego",
        "errands",
        "Ayuda para pintar la cocina el domingo",
        8,
        "cancelled",
        scope=Scope.POD,
        needed_days=4,
    ),
)


# --- How members can help: where, in which languages, with which skills ---------------------

# The demo city sits around 45.52, -122.68 (a Portland-like grid, matching the 503 numbers).
# Home areas are coarse, as the helping profile stores them: two decimals, about a kilometre.
# Roles carry their own time zone (shown next to their times); meetings and delivery runs use
# the site's (MUTUA_TIME_ZONE), as their pages do.
ZONE = "America/Los_Angeles"
AREAS: dict[str, tuple[str, float, float]] = {
    "maple": ("Maple St, near the library", 45.53, -122.66),
    "luna": ("Luna Park, east side", 45.51, -122.64),
    "oak": ("Oak Court, off Alder St", 45.54, -122.69),
    "riverbend": ("River Rd, Riverbend Apartments", 45.50, -122.67),
}


@dataclass(frozen=True)
class DemoHelping:
    north: int  # hundredths of a degree from the pod's point
    east: int
    travel_km: int
    languages: tuple[str, ...]
    weekly: int  # requests a week
    # (name, days the certificate is still valid: None for a skill, negative if it expired)
    skills: tuple[tuple[str, int | None], ...] = ()


HELPING: dict[str, DemoHelping] = {
    "tom": DemoHelping(0, 0, 3, ("en",), 2),
    "amara": DemoHelping(0, 1, 5, ("en", "ig"), 3, (("first aid", 300),)),
    "linh": DemoHelping(0, 0, 2, ("en", "vi"), 1),
    "rosa": DemoHelping(1, 0, 2, ("es", "en"), 2),
    "priya": DemoHelping(-1, 0, 3, ("en", "hi", "ta"), 1),
    "walter": DemoHelping(0, 1, 1, ("en",), 1),
    "fatima": DemoHelping(1, 1, 4, ("en", "ar", "fr"), 2, (("food handling", 240),)),
    "yusuf": DemoHelping(1, 1, 6, ("en", "ar"), 3),
    "maria": DemoHelping(0, 0, 2, ("es",), 1, (("food handling", 400),)),
    "jose": DemoHelping(0, 0, 4, ("es", "en"), 2, (("driver's licence", 900),)),
    "lucia": DemoHelping(1, 0, 3, ("es", "en"), 2, (("first aid", 200),)),
    "diego": DemoHelping(
        0, -1, 8, ("es", "en"), 3, (("driver's licence", 700), ("food handling", 150))
    ),
    "carmen": DemoHelping(-1, 0, 1, ("es",), 1, (("food handling", 90),)),
    # His licence ran out last month: that is why he handed Walter's ride back.
    "kevin": DemoHelping(1, 1, 5, ("en", "es"), 2, (("driver's licence", -20),)),
    "hiroshi": DemoHelping(0, 0, 6, ("en", "ja"), 2, (("driver's licence", 1000),)),
    "emi": DemoHelping(0, 0, 1, ("en", "ja"), 1),
    "grace": DemoHelping(0, 1, 3, ("en", "fr"), 2),
    "sofia": DemoHelping(0, 0, 4, ("es", "en"), 2),
    "marcus": DemoHelping(0, 0, 6, ("en", "es"), 3, (("driver's licence", 500),)),
    "elena": DemoHelping(0, 0, 3, ("en", "ro"), 2),
    "andres": DemoHelping(0, 0, 3, ("es", "en"), 2),
    "gabriela": DemoHelping(0, 0, 4, ("es", "en"), 2),
    "daniel": DemoHelping(0, 0, 3, ("en", "he"), 2),
    "aisha": DemoHelping(0, 0, 3, ("en",), 2, (("first aid", 500),)),
    "luis": DemoHelping(0, 0, 3, ("es", "en"), 2, (("driver's licence", 300),)),
    "nora": DemoHelping(0, 0, 2, ("en", "sv"), 1),
    "samuel": DemoHelping(0, 0, 4, ("en",), 2, (("driver's licence", 600),)),
    "abena": DemoHelping(0, 0, 2, ("en",), 0),  # new: not taking requests yet
}

# Whom to call in an emergency (numbers from 503-555-0150 on). The newest members of Maple
# Street and Riverbend have not added one yet: they are still being welcomed.
EMERGENCY_CONTACTS: dict[str, tuple[str, str]] = {
    "tom": ("Linh Nguyen", "wife"),
    "amara": ("Chidi Okafor", "brother"),
    "linh": ("Tom Becker", "husband"),
    "rosa": ("Ana Martínez", "hija"),
    "priya": ("Vikram Raman", "husband"),
    "walter": ("Dr. Susan Park", "daughter"),
    "fatima": ("Yusuf Haddad", "son"),
    "maria": ("José González", "esposo"),
    "jose": ("María González", "esposa"),
    "lucia": ("Rocío Fernández", "hermana"),
    "diego": ("Elvira Ramírez", "madre"),
    "carmen": ("Lucía Fernández", "vecina"),
    "kevin": ("Siobhan O'Brien", "sister"),
    "hiroshi": ("Emi Tanaka", "wife"),
    "emi": ("Hiroshi Tanaka", "husband"),
    "grace": ("Kwame Mensah", "brother"),
    "sofia": ("Miguel Herrera", "esposo"),
    "marcus": ("Denise Johnson", "mother"),
    "elena": ("Ion Popescu", "father"),
    "andres": ("Gabriela Castillo", "esposa"),
    "gabriela": ("Andrés Castillo", "esposo"),
    "daniel": ("Ruth Cohen", "sister"),
    "aisha": ("Tunde Bello", "husband"),
    "luis": ("Rosa Morales", "hermana"),
    "nora": ("Erik Lindqvist", "brother"),
    "samuel": ("Abena Osei", "wife"),
}
NOT_WELCOMED_YET = ("yusuf", "abena")  # no signature, commitment or emergency contact yet

# Pod organizers, chosen by their pods. No service names organizers yet: set directly.
POD_ORGANIZERS = {"luna": "maria", "oak": "hiroshi", "riverbend": "marcus"}


# --- Agreements and decisions ---------------------------------------------------------------


@dataclass(frozen=True)
class DemoVote:
    member: str
    answer: str
    note: str = ""
    recorded_by: str = ""  # a facilitator who took the vote offline
    channel: str = ""


@dataclass(frozen=True)
class DemoProposal:
    owner: str  # a pod key, or "network"
    author: str
    kind: str
    title: str
    process: str
    created_days: float
    votes: tuple[DemoVote, ...]
    body: str = ""
    closes_days: float | None = None  # closed that many days ago; None: still open
    deadline_in_days: float = 5  # open ones: the deadline, from now
    quorum: int | None = None
    group: str = ""  # a working group's own decision (owned by the network)
    text: AgreementText | None = None  # agreement changes: the whole proposed text
    unsigned: tuple[str, ...] = ()  # agreement changes: members who have not signed it yet


def _agree(*keys: str) -> tuple[DemoVote, ...]:
    return tuple(DemoVote(key, Vote.Consent.AGREE) for key in keys)


MAPLE_V1 = AgreementText(
    membership=(
        "Households on Maple Street between 3rd and 7th. Anyone on the street can ask to join; "
        "the neighbour who knows them best welcomes them. One voice per person, kids welcome."
    ),
    commitments=(
        "Each household takes on one small role it can keep: bringing meals to Walter every "
        "second Tuesday at 18:00, calling the phone tree on the 1st, or watering the shared beds "
        "on Saturday mornings. Nobody gives more hours than they said they can."
    ),
    communication=(
        "Requests and shifts go through Mutua; quick things in the group text. If you can't keep "
        "a commitment, ask for a swap or cover as early as you can. If nobody answers within a "
        "day, call Amara, then Tom. Walter prefers a phone call to any message."
    ),
    boundaries=(
        "We are neighbours, not professionals: no medical, legal or money advice. We don't lend "
        "money between households (the network's solidarity pot does that). What someone tells "
        "us in confidence stays with us."
    ),
    review_cycle=(
        "We read the agreement together at the first-Sunday check-in after its review date and "
        "change it by consent."
    ),
    review_interval_days=365,
)
MAPLE_V2 = AgreementText(
    membership=MAPLE_V1.membership,
    commitments=(
        "Each household takes on one small role it can keep: bringing meals every second "
        "Tuesday at 18:00 to anyone recovering from an illness or surgery (Walter, and Priya's "
        "family after her operation), calling the phone tree on the 1st, or watering the shared "
        "beds on Saturday mornings. Nobody gives more hours than they said they can, and taking "
        "a break is fine: say so in Mutua and your deputy or the standby steps in."
    ),
    communication=(
        "Requests and shifts go through Mutua; quick things in the group text. If you can't keep "
        "a commitment, ask for a swap or cover as early as you can. If nobody answers within a "
        "day, call Amara, then Tom. Walter prefers a phone call; Rosa prefers texts, in Spanish "
        "(Rosa prefiere mensajes en español)."
    ),
    boundaries=MAPLE_V1.boundaries,
    review_cycle=(
        "Every six months, at the first-Sunday check-in after the review date, by consent. "
        "Anyone may propose a change at any time."
    ),
    review_interval_days=180,
)
LUNA_V1 = AgreementText(
    membership=(
        "Las familias que viven alrededor del parque Luna. Cualquiera puede pedir entrar y la "
        "recibe la última familia que entró. Hablamos español e inglés: nadie se queda fuera "
        "por el idioma. (Families around Luna Park; Spanish and English both welcome.)"
    ),
    commitments=(
        "Cada familia elige un compromiso que pueda cumplir: recoger la caja del banco de "
        "alimentos los jueves a las 16:00, llamar al árbol telefónico el día 1, o cuidar a los "
        "niños durante la reunión. Si ahora no puedes, dilo: «ahora no» también es una respuesta."
    ),
    communication=(
        "Usamos Mutua y el grupo de mensajes. Si no puedes cumplir, pide un cambio o que alguien "
        "te cubra; si nadie contesta en un día, llama a María. Escribimos en español y en inglés."
    ),
    boundaries=(
        "Somos vecinos, no un servicio social: no damos consejos médicos ni legales, no "
        "guardamos dinero de nadie y nunca preguntamos por papeles. Lo que se cuenta en "
        "confianza se queda aquí."
    ),
    review_cycle=(
        "Lo revisamos en la reunión mensual después de la fecha de revisión, por consentimiento."
    ),
    review_interval_days=365,
)
OAK_V1 = AgreementText(
    membership=(
        "The households of Oak Court, numbers 1 to 12. New neighbours are welcome: ask, and one "
        "of us comes round to say hello."
    ),
    commitments=(
        "We take turns putting out the bins for the whole court on Monday evenings, and keep an "
        "eye on each other's houses when someone is away."
    ),
    communication=(
        "A message in Mutua or a knock on the door. If you can't do your bins turn, swap it in "
        "Mutua or text Hiroshi."
    ),
    boundaries="We keep no one's keys without asking first, and we don't lend each other cars.",
    review_cycle="We look at it again when a new household joins, and at least once a year.",
    review_interval_days=365,
)
RIVERBEND_V1 = AgreementText(
    membership=(
        "Tenants of Riverbend Apartments, buildings A, B and C. Any tenant can join; the pod's "
        "organizer or any member welcomes them. Past twelve households we split, one pod per "
        "building."
    ),
    commitments=(
        "The Saturday grocery run at 10:00 from the lobby of building A, the tenants' association "
        "meeting each month, and the pantry shelf. Each household gives what it said it can, and "
        "no more."
    ),
    communication=(
        "Mutua for requests and shifts, the lobby notice board for everyone else. If you can't "
        "make your shift, ask for a swap or cover; the standby list is asked next, then Marcus "
        "or Sofía. Spanish and English versions of every notice."
    ),
    boundaries=(
        "We don't deal with the landlord on anyone's behalf without their say-so, and we never "
        "share anyone's apartment number outside the pod."
    ),
    review_cycle="Reviewed at the monthly meeting after the review date, by consent.",
    review_interval_days=365,
)
NETWORK_V1 = AgreementText(
    membership=(
        "Riverside Mutual Aid is its pods: anyone who lives in Riverside can join the network "
        "and a pod near them. Organizers are chosen by the pods, for a year at a time."
    ),
    commitments=(
        "Pods look after their own neighbours first and share across pods when they can. "
        "Working groups (communications, resource distribution) do the work no single pod can."
    ),
    communication=(
        "Each pod sends someone to the all-pods meeting every quarter. News goes out in the "
        "bilingual newsletter on the 25th; urgent things go round the pods' phone trees."
    ),
    boundaries=(
        "Solidarity, not charity: no means tests, no screening, no questions about papers. We "
        "take no money with conditions attached."
    ),
    review_cycle=("Reviewed every year at the all-pods meeting, after each pod has discussed it."),
    review_interval_days=365,
)

AGREEMENT_CHANGE = Proposal.Kind.AGREEMENT_CHANGE
CONSENT = Proposal.Process.CONSENT
MAJORITY = Proposal.Process.MAJORITY

# Agreement changes, in the order they were adopted (each closed, by consent).
AGREEMENTS = (
    DemoProposal(
        "network",
        "amara",
        AGREEMENT_CHANGE,
        "Adopt the network agreement",
        CONSENT,
        105,
        _agree("amara", "tom", "linh"),
        body="The one page every pod signs on to. Each pod keeps its own agreement as well.",
        closes_days=100,
        text=NETWORK_V1,
        unsigned=(*NOT_WELCOMED_YET,),
    ),
    DemoProposal(
        "maple",
        "tom",
        AGREEMENT_CHANGE,
        "Adopt our pod agreement",
        CONSENT,
        90,
        (
            *_agree("tom", "amara", "linh", "rosa", "priya"),
            DemoVote("walter", Vote.Consent.AGREE, "Read to me over the phone.", "amara", "phone"),
            DemoVote("fatima", Vote.Consent.AGREE),
        ),
        body="What we wrote together at the library on Sunday, as one page.",
        closes_days=83,
        text=MAPLE_V1,
        unsigned=("yusuf",),
    ),
    DemoProposal(
        "luna",
        "maria",
        AGREEMENT_CHANGE,
        "Adoptar nuestro acuerdo / Adopt our agreement",
        CONSENT,
        81,
        (DemoVote("maria", Vote.Consent.AGREE), DemoVote("jose", Vote.Consent.AGREE, "¡Adelante!")),
        body="Lo que hablamos en el parque el domingo. What we agreed in the park on Sunday.",
        closes_days=79,
        text=LUNA_V1,
    ),
    DemoProposal(
        "oak",
        "hiroshi",
        AGREEMENT_CHANGE,
        "Adopt the Oak Court agreement",
        CONSENT,
        60,
        _agree("hiroshi", "emi", "grace"),
        closes_days=55,
        text=OAK_V1,
    ),
    DemoProposal(
        "riverbend",
        "sofia",
        AGREEMENT_CHANGE,
        "Adopt the Riverbend agreement / Adoptar el acuerdo de Riverbend",
        CONSENT,
        50,
        (
            *_agree("sofia", "marcus", "elena"),
            DemoVote("andres", Vote.Consent.AGREE, "De acuerdo."),
        ),
        closes_days=45,
        text=RIVERBEND_V1,
        unsigned=("abena",),
    ),
    DemoProposal(
        "maple",
        "amara",
        AGREEMENT_CHANGE,
        "Meals for anyone recovering, texts in Spanish for Rosa, review every six months",
        CONSENT,
        30,
        (
            *_agree("amara", "tom", "linh"),
            DemoVote("rosa", Vote.Consent.AGREE, "De acuerdo. ¡Gracias por escribirme en español!"),
            DemoVote("priya", Vote.Consent.AGREE, "Thank you all. Vegetarian, please!"),
            DemoVote("fatima", Vote.Consent.AGREE),
            DemoVote("walter", Vote.Consent.STAND_ASIDE, "Fine by me.", "amara", "phone"),
        ),
        body=(
            "Priya has surgery soon, so the meals role should cover anyone recovering, not only "
            "Walter. Rosa asked for texts in Spanish. And a year is long for a new agreement: "
            "let's look at it every six months."
        ),
        closes_days=23,
        text=MAPLE_V2,
        unsigned=("yusuf",),
    ),
)
NETWORK_REVIEW_DAYS = 12
NETWORK_REVIEW_NOTE = (
    "Read out at the all-pods meeting after every pod had discussed it. No changes this year."
)

PROPOSALS = (
    DemoProposal(
        "maple",
        "priya",
        Proposal.Kind.FREE_TEXT,
        "Lend out our tools from Walter's garage",
        CONSENT,
        2,
        (
            DemoVote("tom", Vote.Consent.AGREE, "I'll build a shelf for it."),
            DemoVote("rosa", Vote.Consent.AGREE, "¡Buena idea! Yo presto mi máquina de coser."),
            DemoVote(
                "walter",
                Vote.Consent.AGREE,
                "Happy to host it; the side door is open in the mornings.",
                "amara",
                "phone",
            ),
            DemoVote(
                "fatima", Vote.Consent.STAND_ASIDE, "Fine by me, but I can't keep the notebook."
            ),
        ),
        body=(
            "Walter offered the side of his garage for a small tool library: two ladders, a "
            "drill, garden tools. A notebook by the door says who has what. Daniel in Riverbend "
            "asked for a ladder this week, so it would help right away."
        ),
        deadline_in_days=5,
    ),
    DemoProposal(
        "luna",
        "jose",
        Proposal.Kind.FREE_TEXT,
        "Mover la reunión mensual al segundo sábado a las 11:00",
        MAJORITY,
        3,
        (
            DemoVote("jose", Vote.Majority.YES),
            DemoVote("maria", Vote.Majority.YES),
            DemoVote("diego", Vote.Majority.YES, "Los viernes llego tarde del trabajo."),
            DemoVote(
                "lucia", Vote.Majority.NO, "Los sábados tengo turno en el hospital. ¿Y el domingo?"
            ),
            DemoVote(
                "carmen",
                Vote.Majority.YES,
                "Me lo dijo por mensaje: el sábado le va mejor.",
                "maria",
                "text",
            ),
        ),
        body=(
            "Los viernes por la noche muchos trabajamos o llegamos cansados. Propongo el segundo "
            "sábado a las 11:00 en el kiosco del parque, con café y los niños. "
            "(Move our check-in to the second Saturday at 11:00, in the park shelter.)"
        ),
        deadline_in_days=4,
    ),
    DemoProposal(
        "network",
        "marcus",
        Proposal.Kind.SPEND,
        "Spend $300 from the solidarity pot on a chest freezer for the Riverbend pantry",
        MAJORITY,
        19,
        (
            DemoVote("marcus", Vote.Majority.YES),
            DemoVote("samuel", Vote.Majority.YES, "We threw out chicken twice last month."),
            DemoVote("diego", Vote.Majority.YES),
            DemoVote("amara", Vote.Majority.YES),
            DemoVote("carmen", Vote.Majority.YES, "¡Sí! Así guardamos también los tamales."),
            DemoVote("kevin", Vote.Majority.NO, "Could we find a second-hand one first?"),
            DemoVote("elena", Vote.Majority.ABSTAIN),
        ),
        body=(
            "The pantry shelf in building A gets frozen food from the food bank every Thursday "
            "and we have nowhere to keep it. A 7 cu ft chest freezer is about $300; the landlord "
            "agreed it can go in the laundry room."
        ),
        closes_days=12,
        quorum=5,
        group="resources",
    ),
    DemoProposal(
        "network",
        "elena",
        Proposal.Kind.FREE_TEXT,
        "Print 200 copies of the bilingual newsletter each month",
        MAJORITY,
        1,
        (
            DemoVote("elena", Vote.Majority.YES),
            DemoVote(
                "gabriela", Vote.Majority.YES, "Sí: muchos mayores no lo leen en el teléfono."
            ),
            DemoVote("tom", Vote.Majority.YES),
        ),
        body=(
            "Not everyone reads email. The library prints 200 double-sided copies for $24; the "
            "phone-tree callers can drop them off. / Imprimir 200 boletines cada mes."
        ),
        deadline_in_days=6,
        group="communications",
    ),
)


# --- Check-ins ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoMeetings:
    pod: str
    organizer: str
    title: str
    place: str
    weekday: int  # Monday is 0
    nth: int  # the nth such weekday of the month
    hour: int
    next_agenda: tuple[str, ...]
    past_agenda: tuple[str, ...] = ()
    present: tuple[str, ...] = ()  # at the last one; empty: no past check-in in the demo
    notes: str = ""


MEETINGS = (
    DemoMeetings(
        "maple",
        "amara",
        "Monthly check-in",
        "Riverside Library, community room",
        weekday=6,
        nth=1,
        hour=16,
        past_agenda=(
            "Agreement change: meals for anyone recovering",
            "Priya's surgery: who brings what",
            "Phone tree list: add Yusuf",
        ),
        present=("tom", "amara", "linh", "rosa", "priya", "fatima", "walter"),
        notes=(
            "Systemic discussion: Walter's dialysis rides. The county's medical transport needs "
            "seven days' notice and cancelled on him twice this month; Tom drafts a letter to the "
            "county commissioner and we all sign it. Rosa's insurance covers only 50 test strips "
            "a month: Amara asks the clinic about the patient assistance programme.\n"
            "Agreement: everyone is happy with the change; voting in Mutua until Sunday.\n"
            "Priya's surgery: Fatima and Linh cover the Tuesday meals, vegetarian.\n"
            "Phone tree: Yusuf added; Tom is Amara's deputy for the calls on the 1st."
        ),
        next_agenda=(
            "Tool library in Walter's garage: who keeps the notebook",
            "Meals while Linh is away",
        ),
    ),
    DemoMeetings(
        "luna",
        "maria",
        "Reunión mensual / Monthly check-in",
        "Kiosco del parque Luna",
        weekday=4,
        nth=2,
        hour=19,
        past_agenda=(
            "Banco de alimentos: ¿quién saca la credencial con Diego?",
            "Cuidado de niños durante la reunión",
        ),
        present=("maria", "jose", "lucia", "diego", "carmen"),
        notes=(
            "Discusión sistémica: a tres familias les cortaron los cupones de comida (SNAP) por "
            "el retraso en la recertificación. Lucía ayuda a pedir las citas; lo llevamos a la "
            "reunión de todos los pods. La Clínica del Río ya no tiene intérprete los martes: "
            "Gabriela (Riverbend) se ofreció a acompañar.\n"
            "Banco de alimentos: Diego sigue siendo el único con credencial. Kevin se apunta de "
            "reserva y la saca este mes.\n"
            "Árbol telefónico: María necesita un suplente. Nadie se ofreció todavía."
        ),
        next_agenda=(
            "Suplente para el árbol telefónico",
            "¿Reunión el sábado por la mañana? (votación abierta)",
        ),
    ),
    DemoMeetings(
        "riverbend",
        "marcus",
        "Monthly check-in / Reunión mensual",
        "Building A, community room",
        weekday=3,
        nth=1,
        hour=19,
        next_agenda=(
            "Nine households: split into two pods, one per building?",
            "The pantry freezer: where it goes and who defrosts it",
        ),
    ),
)


# --- Roles, working groups, breaks ----------------------------------------------------------


@dataclass(frozen=True)
class DemoRole:
    key: str
    owner: str  # a pod key, or a working group's key
    name: str
    description: str
    rrule: str
    start: time
    minutes: int
    holders: tuple[str, ...]
    standby: tuple[str, ...] = ()
    deputies: tuple[str, ...] = ()
    trained: tuple[str, ...] = ()
    is_critical: bool = False
    is_organizer_role: bool = False


ROLES_STARTED_WEEKS_AGO = 4
ROLES = (
    DemoRole(
        "meals",
        "maple",
        "Bring meals",
        "Every second Tuesday at 18:00: a hot dinner for whoever is recovering (Walter, low salt; "
        "Priya's family after her surgery, vegetarian). Leave it in the porch cooler if no one "
        "answers.",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
        time(18),
        60,
        holders=("fatima", "linh", "tom"),
        standby=("rosa",),
    ),
    DemoRole(
        "maple_phone_tree",
        "maple",
        "Call the phone tree",
        "On the 1st of the month: call every household on the list (Walter first), ask how they "
        "are and what they need, and pass on the pod's news.",
        "FREQ=MONTHLY;BYMONTHDAY=1",
        time(18),
        90,
        holders=("amara",),
        deputies=("tom",),
        trained=("amara", "tom"),
        is_critical=True,
        is_organizer_role=True,
    ),
    DemoRole(
        "garden",
        "maple",
        "Water the shared garden beds",
        "Saturday mornings, before it gets hot. The hose is behind Walter's side gate.",
        "FREQ=WEEKLY;BYDAY=SA",
        time(8),
        30,
        holders=("walter", "rosa", "priya"),
    ),
    DemoRole(
        "luna_phone_tree",
        "luna",
        "Llamar al árbol telefónico",
        "El día 1 de cada mes: llamar a cada familia de la lista, preguntar cómo están y qué "
        "necesitan. (Call the phone tree on the 1st.)",
        "FREQ=MONTHLY;BYMONTHDAY=1",
        time(19),
        90,
        holders=("maria",),
        trained=("maria", "jose"),
        is_organizer_role=True,  # and no deputy yet: the pod page says so
    ),
    DemoRole(
        "food_bank",
        "luna",
        "Recoger la caja del banco de alimentos",
        "Los jueves a las 16:00 en el Banco de Alimentos de Riverside, calle 12. Hace falta la "
        "credencial de voluntario. (Thursday food bank pick-up; needs a volunteer badge.)",
        "FREQ=WEEKLY;BYDAY=TH",
        time(16),
        90,
        holders=("diego",),
        standby=("kevin",),
        trained=("diego",),  # only Diego has the badge: the pod page flags it
        is_critical=True,
    ),
    DemoRole(
        "childcare",
        "luna",
        "Cuidar a los niños durante la reunión",
        "Juegos y merienda en el parque mientras los mayores se reúnen.",
        "FREQ=MONTHLY;BYDAY=2FR",
        time(19),
        60,
        holders=("lucia", "carmen"),
    ),
    DemoRole(
        "bins",
        "oak",
        "Put out the bins for the whole court",
        "Monday evenings: green, blue and grey bins for all the houses to the kerb.",
        "FREQ=WEEKLY;BYDAY=MO",
        time(19),
        15,
        holders=("hiroshi", "grace", "emi"),
    ),
    DemoRole(
        "grocery_run",
        "riverbend",
        "Saturday grocery run",
        "Saturdays at 10:00 from the lobby of building A to Fresh Market on 5th, with up to "
        "three households' lists (or the neighbours themselves).",
        "FREQ=WEEKLY;BYDAY=SA",
        time(10),
        180,
        holders=("marcus", "luis"),
        standby=("andres",),
        trained=("marcus", "luis"),
        is_critical=True,
    ),
    DemoRole(
        "liaison",
        "riverbend",
        "Tenants' association liaison",
        "Go to the tenants' association meeting on the second Wednesday and bring back the news.",
        "FREQ=MONTHLY;BYDAY=2WE",
        time(19),
        120,
        holders=("marcus",),
        deputies=("sofia",),
        is_organizer_role=True,
    ),
    DemoRole(
        "newsletter",
        "communications",
        "Send the bilingual newsletter",
        "On the 25th: gather the pods' news, translate, send by email and SMS, and print.",
        "FREQ=MONTHLY;BYMONTHDAY=25",
        time(19),
        120,
        holders=("elena", "gabriela"),
    ),
    DemoRole(
        "pantry",
        "resources",
        "Stock the Riverbend pantry shelf",
        "Friday at 17:00: unpack Thursday's food bank boxes onto the shelf in building A and "
        "note what runs short.",
        "FREQ=WEEKLY;BYDAY=FR",
        time(17),
        90,
        holders=("marcus", "samuel"),
    ),
)

# Hours a week each says they can give. Marcus said 2 and is down for more: flagged.
CAPACITIES: dict[str, str] = {
    "amara": "4",
    "tom": "3",
    "fatima": "3",
    "linh": "2",
    "rosa": "2",
    "walter": "1",
    "priya": "1",
    "maria": "4",
    "diego": "3",
    "kevin": "2",
    "lucia": "2",
    "carmen": "1",
    "hiroshi": "2",
    "grace": "2",
    "emi": "1",
    "marcus": "2",
    "luis": "4",
    "sofia": "2",
    "samuel": "3",
    "elena": "2",
    "gabriela": "2",
}


@dataclass(frozen=True)
class DemoGroup:
    key: str
    name: str
    purpose: str
    convener: str
    deputy: str
    members: tuple[str, ...]


GROUPS = (
    DemoGroup(
        "communications",
        "Communications",
        "The bilingual newsletter on the 25th, flyers in English and Spanish, and keeping the "
        "pods' phone-tree lists up to date. / Boletín, volantes y listas del árbol telefónico.",
        "elena",
        "lucia",
        ("tom", "gabriela", "grace"),
    ),
    DemoGroup(
        "resources",
        "Resource distribution",
        "The Riverbend pantry shelf, the Thursday food bank pick-ups, the equipment library "
        "(wheelchair, walker, crutches) and delivery runs.",
        "marcus",
        "diego",
        ("samuel", "carmen", "kevin", "aisha", "amara"),
    ),
)

# Linh is away looking after her mother (see her request): her shifts go to the others.
PAUSED = "linh"
PAUSE_WEEKS = 6
SWAP = ("fatima", "tom")  # Fatima asks Tom to take her next "Bring meals" shift


# --- Tomorrow's delivery run ----------------------------------------------------------------


@dataclass(frozen=True)
class DemoStop:
    requester: str  # whose claimed request the stop delivers
    label: str  # public: who it is for, never where
    lat: float  # exact, for planning only (stored encrypted, never shown)
    lng: float
    opens: time
    closes: time
    load: int
    what_to_bring: str


@dataclass(frozen=True)
class DemoDriver:
    member: str
    capacity: int
    lat: float
    lng: float
    starts: time
    ends: time


RUN_POD = "luna"
RUN_NAME = "Reparto del banco de alimentos / Food bank deliveries"
RUN_STOPS = (
    DemoStop(
        "kevin",
        "Food bank box for Kevin",
        45.51387,
        -122.64021,
        time(9, 30),
        time(12),
        2,
        "One food bank box (no pork)",
    ),
    DemoStop(
        "lucia",
        "Caja del banco para Lucía",
        45.50794,
        -122.64553,
        time(9),
        time(12),
        2,
        "Una caja del banco de alimentos, sin cacahuetes",
    ),
    DemoStop(
        "carmen",
        "La compra de Carmen",
        45.50911,
        -122.63788,
        time(10),
        time(13),
        1,
        "Two bags from Kevin: leche, pan, huevos, fruta, arroz",
    ),
)
RUN_DRIVERS = (
    DemoDriver("diego", 6, 45.51012, -122.64915, time(9), time(13)),
    DemoDriver("jose", 4, 45.51168, -122.63892, time(10), time(12, 30)),
)
RUN_SOLVE_SECONDS = 2.0

# The dispatcher asked Hiroshi to drive Walter to dialysis; he has not answered yet.
INVITATION = ("walter", "hiroshi")


# --- Loading ------------------------------------------------------------------------------

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _is_nth_weekday(day: date, weekday: int, nth: int) -> bool:
    return day.weekday() == weekday and (day.day - 1) // 7 + 1 == nth


def _nth_weekday_after(day: date, weekday: int, nth: int) -> date:
    """The first day on or after ``day`` that is the nth such weekday of its month."""
    return next(
        day + timedelta(days=offset)
        for offset in range(62)
        if _is_nth_weekday(day + timedelta(days=offset), weekday, nth)
    )


def _nth_weekday_before(day: date, weekday: int, nth: int) -> date:
    """The last day on or before ``day`` that is the nth such weekday of its month."""
    return next(
        day - timedelta(days=offset)
        for offset in range(62)
        if _is_nth_weekday(day - timedelta(days=offset), weekday, nth)
    )


@dataclass(frozen=True)
class DemoSummary:
    network: Network
    pods: int
    households: int
    members: int
    requests: int
    open_requests: int
    offers: int
    agreements: int
    proposals: int
    open_proposals: int
    roles: int
    upcoming_shifts: int
    groups: int
    run: DeliveryRun


def demo_exists() -> bool:
    """Whether any of the demo is there (also its members, should the network have been deleted)."""
    return (
        Network.objects.filter(slug=DEMO_NETWORK_SLUG).exists()
        or User.objects.filter(email__endswith="@" + DEMO_EMAIL_DOMAIN).exists()
    )


def demo_email(key: str) -> str:
    return f"{key}@{DEMO_EMAIL_DOMAIN}"


def demo_members() -> models.QuerySet[Member]:
    return Member.objects.filter(user__email__endswith="@" + DEMO_EMAIL_DOMAIN)


@transaction.atomic
def delete_demo() -> None:
    """Remove the demo network, its members and everything they did (audit rows included)."""
    AuditEvent.objects.filter(actor__in=demo_members()).delete()
    # The few rows recorded with no actor (shifts the rotation refilled) go with their shifts.
    shifts = Shift.objects.filter(
        Q(role__pod__network__slug=DEMO_NETWORK_SLUG) | Q(role__network__slug=DEMO_NETWORK_SLUG)
    ).values_list("pk", flat=True)
    AuditEvent.objects.filter(
        actor=None,
        object_type=Shift._meta.label_lower,
        object_id__in=[str(pk) for pk in shifts],
    ).delete()
    delete_network(DEMO_NETWORK_SLUG)
    User.objects.filter(email__endswith="@" + DEMO_EMAIL_DOMAIN).delete()
    SignInCode.objects.filter(email__endswith="@" + DEMO_EMAIL_DOMAIN).delete()


def demo_pages() -> list[tuple[str, str]]:
    """(what it shows, path) for the pages of the newer features, or [] without the network."""
    network = Network.objects.filter(slug=DEMO_NETWORK_SLUG).first()
    if network is None:
        return []
    pods = {pod.name: pod.pk for pod in network.pods.all()}
    maple, luna, riverbend = (
        pods[pod.name] for pod in PODS if pod.key in ("maple", "luna", "riverbend")
    )
    run = DeliveryRun.objects.filter(network=network).order_by("-date", "-id").first()
    pages = [
        ("Suggested matches", reverse("exchange:suggestions", args=[network.slug])),
        (
            "Maple Street agreement, v1 → v2",
            reverse("agreements:diff", args=["pod", maple]) + "?old=1&new=2",
        ),
        ("Maple Street proposals", reverse("decisions:proposal_list", args=["pod", maple])),
        ("Luna Park check-ins", reverse("decisions:meeting_list", args=[luna])),
        ("Luna Park roles and flags", reverse("schedules:role_list", args=[luna])),
        ("Riverbend workload", reverse("schedules:pod_workload", args=[riverbend])),
        ("Working groups", reverse("groups:group_list", args=[network.pk])),
        ("Maple Street welcomes", reverse("orientation:pod_welcomes", args=[maple])),
    ]
    if run is not None:
        pages.append(("Tomorrow's delivery run", reverse("deliveries:run_detail", args=[run.pk])))
    return pages


def delete_network(slug: str) -> None:
    """Delete a network and everything in it (agreement history goes with it, see RESTRICT)."""
    Network.objects.filter(slug=slug).delete()


def load_demo() -> DemoSummary:
    """Build the demo network in one transaction; notifications go to an in-memory outbox."""
    with override_settings(**QUIET_NOTIFICATIONS), transaction.atomic():
        return _Loader(now=timezone.now()).load()


# Rows that carry their creation time: whatever an operation creates gets that operation's time.
_STAMPED: tuple[tuple[type[models.Model], str], ...] = (
    (User, "created_at"),
    (Member, "created_at"),
    (NetworkMembership, "joined_at"),
    (PodMembership, "requested_at"),
    (Household, "created_at"),
    (Offer, "created_at"),
    (Request, "created_at"),
    (StatusChange, "created_at"),
    (Message, "created_at"),
    (AuditEvent, "created_at"),
    (MemberSkill, "created_at"),
    (Agreement, "created_at"),
    (AgreementVersion, "adopted_at"),
    (AgreementReview, "reviewed_at"),
    (Signature, "signed_at"),
    (Proposal, "created_at"),
    (Vote, "created_at"),
    (Meeting, "created_at"),
    (WorkingGroup, "created_at"),
    (GroupMembership, "joined_at"),
    (Role, "created_at"),
    (RoleHolder, "created_at"),
    (RoleCompetence, "created_at"),
    (MemberPause, "created_at"),
    (SwapRequest, "created_at"),
    (EmergencyContact, "updated_at"),
    (CommitmentDeferral, "said_at"),
    (Invitation, "created_at"),
    (DeliveryRun, "created_at"),
    (RunStop, "created_at"),
    (RunDriver, "created_at"),
)


def _last_pks() -> list[int]:
    """The highest primary key of each stamped table, in one query."""
    quote = connection.ops.quote_name
    columns = ", ".join(
        f"(SELECT MAX({quote(model._meta.pk.column)}) FROM {quote(model._meta.db_table)})"  # noqa: S608 (names from the models)
        for model, _name in _STAMPED
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}")
        row = cursor.fetchone()
    return [last or 0 for last in row]


@contextmanager
def _happening_at(when: datetime) -> Iterator[None]:
    """Date every row created inside the block at ``when`` instead of now.

    Meant for loading into a database nobody else is writing to at the same moment (on SQLite the
    loading transaction holds the write lock anyway).
    """
    before = _last_pks()
    yield
    after = _last_pks()
    for (model, name), first, last in zip(_STAMPED, before, after, strict=True):
        if last > first:
            model._default_manager.filter(pk__gt=first, pk__lte=last).update(**{name: when})


class _Loader:
    def __init__(self, *, now: datetime) -> None:
        self.now = now
        self.members: dict[str, Member] = {}
        self.pods: dict[str, Pod] = {}
        self.households: dict[tuple[str, str], Household] = {}
        self.offers: dict[str, Offer] = {}
        self.joined: dict[str, datetime] = {}  # when each person was welcomed into their pod
        self.groups: dict[str, WorkingGroup] = {}
        self.roles: dict[str, Role] = {}

    def ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def at(self, when: datetime, operation: Callable[[], T]) -> T:
        if when > self.now:
            raise ValueError(f"The demo data dates something in the future: {when}.")
        with _happening_at(when):
            return operation()

    def load(self) -> DemoSummary:
        network = Network.objects.create(
            name="Riverside Mutual Aid",
            slug=DEMO_NETWORK_SLUG,
            description=(
                "Neighbours in Riverside looking out for each other. Ask for what you need, "
                "offer what you can: everybody does both. "
                "Vecinos de Riverside que se cuidan entre sí."
            ),
        )
        Network.objects.filter(pk=network.pk).update(created_at=self.ago(120))
        for index, pod in enumerate(PODS):
            self.pods[pod.key] = Pod.objects.create(
                network=network, name=pod.name, area=pod.area, description=pod.description
            )
            Pod.objects.filter(pk=self.pods[pod.key].pk).update(created_at=self.ago(118 - index))
        self._load_people(network)
        self._set_pod_organizers()
        self._load_helping()
        for offer in OFFERS:
            self._load_offer(offer)
        for index, aid_request in enumerate(REQUESTS):
            # Spread the times of day a little, so not every request was made at the same minute.
            self._load_request(aid_request, earlier_by=timedelta(minutes=index * 47 % 240))
        self._locate_requests(network)
        self._load_agreements(network)
        self._load_groups(network)
        for proposal in PROPOSALS:
            self._load_proposal(proposal, network)
        self._load_meetings()
        self._load_roles()
        self._load_welcome()
        self._load_invitation()
        run = self._load_delivery_run()
        proposals = Proposal.objects.filter(Q(network=network) | Q(pod__network=network))
        roles = Role.objects.filter(Q(network=network) | Q(pod__network=network))
        return DemoSummary(
            network=network,
            pods=len(PODS),
            households=len(self.households),
            members=len(self.members),
            requests=len(REQUESTS),
            open_requests=Request.objects.filter(network=network).open().count(),
            offers=Offer.objects.filter(network=network).active().count(),
            agreements=Agreement.objects.filter(
                Q(network=network) | Q(pod__network=network)
            ).count(),
            proposals=proposals.count(),
            open_proposals=proposals.open().count(),
            roles=roles.count(),
            upcoming_shifts=Shift.objects.filter(role__in=roles).upcoming(self.now).count(),
            groups=len(self.groups),
            run=run,
        )

    def _load_people(self, network: Network) -> None:
        organizer_spec = next(p for p in PEOPLE if p.key == ORGANIZER)
        organizer = self._register(organizer_spec, network, days_ago=112)
        # The network's founder: no service names organizers yet, so set the role directly.
        NetworkMembership.objects.filter(network=network, member=organizer).update(
            role=NetworkMembership.Role.ORGANIZER
        )
        previous_in_pod: dict[str, Member] = {}
        for index, person in enumerate(PEOPLE):
            days_ago = 110 - 3 * index
            member = self.members.get(person.key) or self._register(
                person, network, days_ago=days_ago
            )
            membership = self.at(
                self.ago(days_ago),
                partial(members.ask_to_join_pod, member=member, pod=self.pods[person.pod]),
            )
            # The organizer welcomes each pod's first member (she may decide for every pod of
            # her network); from then on each newcomer is welcomed by the neighbour before them.
            # The organizer herself joins after her pod's first member, who welcomes her.
            welcomer = previous_in_pod.get(person.pod, organizer)
            self._accept(person, membership, welcomer, when=self.ago(days_ago - 1))
            previous_in_pod[person.pod] = member
        newcomer = self._register(NEWCOMER, network, days_ago=1)
        self.at(
            self.ago(1),
            lambda: members.ask_to_join_pod(
                member=newcomer, pod=self.pods[NEWCOMER.pod], message=NEWCOMER_MESSAGE
            ),
        )

    def _register(self, person: DemoPerson, network: Network, *, days_ago: float) -> Member:
        profile = members.Profile(
            display_name=person.name,
            preferred_language=person.language,
            phone=PHONE_PREFIX + person.phone if person.phone else "",
            preferred_channel=person.channel,
            notify_categories=person.notify,
        )

        def register() -> Member:
            member = members.register_member(email=demo_email(person.key), profile=profile)
            members.join_network(member=member, network=network)
            return member

        member = self.at(self.ago(days_ago), register)
        self.members[person.key] = member
        return member

    def _accept(
        self, person: DemoPerson, membership: PodMembership, welcomer: Member, *, when: datetime
    ) -> None:
        household = self.households.get((person.pod, person.household))

        def accept() -> PodMembership:
            return members.accept_pod_member(
                membership=membership,
                actor=welcomer,
                household=household,
                new_household_name=person.household,
            )

        accepted = self.at(when, accept)
        self.joined[person.key] = when
        PodMembership.objects.filter(pk=accepted.pk).update(decided_at=when)
        assert accepted.household is not None
        self.households[(person.pod, person.household)] = accepted.household

    def _pod_of(self, key: str) -> Pod:
        person = next(p for p in PEOPLE if p.key == key)
        return self.pods[person.pod]

    def _load_offer(self, spec: DemoOffer) -> None:
        offerer = self.members[spec.offerer]
        created = self.ago(spec.days_ago)
        until = (
            created + timedelta(days=spec.available_for_days)
            if spec.available_for_days is not None
            else None
        )
        draft = exchange.OfferDraft(
            pod=self._pod_of(spec.offerer),
            scope=spec.scope,
            category=spec.category,
            description=spec.description,
            quantity=spec.quantity,
            available_from=created if until else None,
            available_until=until,
            availability_note=spec.availability,
        )
        offer = self.at(created, lambda: exchange.create_offer(author=offerer, draft=draft))
        Offer.objects.filter(pk=offer.pk).update(updated_at=created)
        if spec.is_withdrawn:
            withdrawn = self.ago(spec.days_ago / 2)
            self.at(withdrawn, lambda: exchange.withdraw_offer(offer=offer, actor=offerer))
            Offer.objects.filter(pk=offer.pk).update(withdrawn_at=withdrawn, updated_at=withdrawn)
        self.offers[spec.key] = offer

    def _load_request(self, spec: DemoRequest, *, earlier_by: timedelta) -> None:
        requester = self.members[spec.requester]
        created = self.ago(spec.days_ago) - earlier_by
        real_now = timezone.now()

        def window(days: float | None, base: datetime) -> datetime | None:
            return base + timedelta(days=days) if days is not None else None

        # The services check the window against the real clock; the dates are moved back below.
        draft = exchange.RequestDraft(
            pod=self._pod_of(spec.requester),
            scope=spec.scope,
            category=self.offers[spec.offer].category if spec.offer else spec.category,
            summary=spec.summary,
            urgency=spec.urgency,
            needed_from=window(spec.from_days, real_now),
            needed_by=window(spec.needed_days, real_now),
            area=self._pod_of(spec.requester).area,
            address=spec.address,
            details=spec.details,
            access_notes=spec.access_notes,
            contact_phone=spec.contact_phone,
            skill_needed=spec.skill,
            language_wanted=spec.language,
        )
        helper: Member | None
        if spec.offer:
            offer = self.offers[spec.offer]
            aid_request = self.at(
                created, lambda: exchange.answer_offer(offer=offer, actor=requester, draft=draft)
            )
            helper = offer.offerer
            claimed = created
        else:
            aid_request = self.at(
                created, lambda: exchange.create_request(author=requester, draft=draft)
            )
            helper = self.members[spec.helper] if spec.helper else None
            claimed = created + CLAIM_AFTER
            if helper is not None:
                self.at(
                    claimed, lambda: exchange.claim_request(aid_request=aid_request, actor=helper)
                )
        changes: dict[str, object] = {
            "created_at": created,
            "updated_at": created,
            "needed_from": window(spec.from_days, created),
            "needed_by": window(spec.needed_days, created),
        }
        if helper is not None:
            changes.update(claimed_at=claimed, updated_at=claimed)
        for index, (author, body) in enumerate(spec.messages):
            self.at(
                claimed + MESSAGE_EVERY * (index + 1),
                partial(
                    exchange.post_message,
                    aid_request=aid_request,
                    actor=self.members[author],
                    body=body,
                ),
            )
        if helper is not None and spec.outcome == "released":
            released = claimed + RELEASE_AFTER
            self.at(
                released, lambda: exchange.release_request(aid_request=aid_request, actor=helper)
            )
            changes.update(claimed_at=None, updated_at=released)
        if helper is not None and spec.outcome in ("fulfilled", "confirmed"):
            fulfilled = claimed + FULFIL_AFTER
            self.at(
                fulfilled, lambda: exchange.fulfil_request(aid_request=aid_request, actor=helper)
            )
            changes.update(fulfilled_at=fulfilled, updated_at=fulfilled)
            if spec.outcome == "confirmed":
                confirmed = fulfilled + CONFIRM_AFTER
                self.at(
                    confirmed,
                    lambda: exchange.confirm_request(aid_request=aid_request, actor=requester),
                )
                changes.update(confirmed_at=confirmed, updated_at=confirmed)
        if spec.outcome == "cancelled":
            cancelled = created + CANCEL_AFTER
            self.at(
                cancelled,
                lambda: exchange.cancel_request(aid_request=aid_request, actor=requester),
            )
            changes.update(cancelled_at=cancelled, updated_at=cancelled)
        Request.objects.filter(pk=aid_request.pk).update(**changes)

    # --- Everything else a pod does: matching, agreements, decisions, roles, runs ------------

    def _load_helping(self) -> None:
        """Each member's helping profile, set a couple of days after they joined."""
        for person in PEOPLE:
            spec = HELPING[person.key]
            area, lat, lng = AREAS[person.pod]
            today = timezone.localdate(self.now)
            helping = exchange.HelpingProfile(
                help_area=area,
                help_lat=lat + spec.north / 100,
                help_lng=lng + spec.east / 100,
                travel_km=spec.travel_km,
                languages=spec.languages,
                weekly_capacity=spec.weekly,
                skills=tuple(
                    exchange.SkillDraft(
                        name, today + timedelta(days=days) if days is not None else None
                    )
                    for name, days in spec.skills
                ),
            )
            member = self.members[person.key]
            self.at(
                self.joined[person.key] + timedelta(days=1),
                partial(exchange.update_helping_profile, member=member, helping=helping),
            )

    def _locate_requests(self, network: Network) -> None:
        """Place each request at its requester's coarse home area.

        No service sets a request's coarse point yet (the request form does not ask for it), so
        it is set directly, from the already-rounded helping profile: never an exact address.
        """
        for member in self.members.values():
            Request.objects.filter(network=network, requester=member).update(
                area_lat=member.help_lat, area_lng=member.help_lng
            )

    def _set_pod_organizers(self) -> None:
        for pod_key, person_key in POD_ORGANIZERS.items():
            PodMembership.objects.filter(
                pod=self.pods[pod_key], member=self.members[person_key]
            ).update(role=PodMembership.Role.ORGANIZER)

    def _owner(self, key: str, network: Network) -> Owner:
        return Owner(network=network) if key == "network" else Owner(pod=self.pods[key])

    def _facilitator(self, key: str) -> Member:
        return self.members[POD_ORGANIZERS.get(key, ORGANIZER)]

    def _load_proposal(self, spec: DemoProposal, network: Network) -> Proposal:
        """Propose, vote and (for a past decision) close, through the decisions services.

        The services want a deadline in the future to take votes; a past decision is voted on
        with a deadline just ahead, closed "at" that deadline, and then dated back.
        """
        created = self.ago(spec.created_days)
        closes = self.ago(spec.closes_days) if spec.closes_days is not None else None
        real_now = timezone.now()
        deadline = (
            real_now + timedelta(minutes=5)
            if closes is not None
            else real_now + timedelta(days=spec.deadline_in_days)
        )
        draft = decisions.ProposalDraft(
            owner=self._owner(spec.owner, network),
            kind=spec.kind,
            title=spec.title,
            process=spec.process,
            deadline_at=deadline,
            body=spec.body,
            quorum=spec.quorum,
            text=spec.text,
        )
        author = self.members[spec.author]
        if spec.group:
            group = self.groups[spec.group]
            proposal = self.at(
                created,
                lambda: groups.create_group_proposal(group=group, draft=draft, actor=author),
            )
        else:
            proposal = self.at(
                created, lambda: decisions.create_proposal(actor=author, draft=draft)
            )
        step = ((closes or self.now) - created) / (len(spec.votes) + 1)
        for index, vote in enumerate(spec.votes):
            member = self.members[vote.member]
            if vote.recorded_by:
                cast: Callable[[], Vote] = partial(
                    decisions.record_offline_vote,
                    proposal=proposal,
                    actor=self.members[vote.recorded_by],
                    member=member,
                    answer=vote.answer,
                    channel=vote.channel,
                    note=vote.note,
                )
            else:
                cast = partial(
                    decisions.cast_vote,
                    proposal=proposal,
                    actor=member,
                    answer=vote.answer,
                    note=vote.note,
                )
            self.at(created + step * (index + 1), cast)
        if closes is not None:
            closer = self._facilitator(spec.owner)
            self.at(
                closes,
                lambda: decisions.close_proposal(proposal=proposal, actor=closer, now=deadline),
            )
            Proposal.objects.filter(pk=proposal.pk).update(deadline_at=closes, closed_at=closes)
        proposal.refresh_from_db()
        return proposal

    def _settle_agreement(self, agreement: Agreement) -> None:
        """Date the agreement from its (dated) versions and reviews, then its next review."""
        agreement.refresh_from_db()
        first = agreement.versions.order_by("number").first()
        assert first is not None
        review = agreement.reviews.order_by("-reviewed_at").first()
        agreement.first_adopted_at = first.adopted_at
        agreement.last_reviewed_at = review.reviewed_at if review else None
        agreement.review_due_at = agreements.next_review_due(agreement)
        agreement.save(update_fields=["first_adopted_at", "last_reviewed_at", "review_due_at"])

    def _load_agreements(self, network: Network) -> None:
        for spec in AGREEMENTS:
            proposal = self._load_proposal(spec, network)
            assert proposal.status == Proposal.Status.ADOPTED, proposal.title
            owner = self._owner(spec.owner, network)
            agreement = agreements.agreement_of(owner)
            assert agreement is not None and agreement.current_version is not None
            self._settle_agreement(agreement)
            version = agreement.current_version
            assert spec.closes_days is not None
            signers = [
                person.key
                for person in PEOPLE
                if person.key not in spec.unsigned and owner.takes_part(self.members[person.key])
            ]
            for index, key in enumerate(signers):
                when = max(self.ago(spec.closes_days), self.joined[key]) + timedelta(
                    hours=20 + 5 * index
                )
                self.at(
                    min(when, self.ago(0.5)),
                    partial(
                        agreements.sign_agreement,
                        agreement=agreement,
                        version_number=version.number,
                        actor=self.members[key],
                    ),
                )
        network_agreement = agreements.agreement_of(Owner(network=network))
        assert network_agreement is not None
        organizer = self.members[ORGANIZER]
        self.at(
            self.ago(NETWORK_REVIEW_DAYS),
            lambda: agreements.record_review(
                agreement=network_agreement, actor=organizer, note=NETWORK_REVIEW_NOTE
            ),
        )
        self._settle_agreement(network_agreement)

    def _load_meetings(self) -> None:
        # Meeting pages show times in the site's time zone (MUTUA_TIME_ZONE): so are these.
        where = timezone.get_default_timezone()
        today = self.now.astimezone(where).date()
        for spec in MEETINGS:
            pod = self.pods[spec.pod]
            actor = self.members[spec.organizer]

            def starts(day: date, spec: DemoMeetings = spec) -> datetime:
                return datetime.combine(day, time(spec.hour), tzinfo=where)

            upcoming = _nth_weekday_after(today + timedelta(days=1), spec.weekday, spec.nth)
            if spec.present:
                past = _nth_weekday_before(today - timedelta(days=2), spec.weekday, spec.nth)
                past_start = starts(past)
                # Scheduled three weeks before; the service only schedules ahead of the real
                # clock, so it is scheduled for an hour from now and then moved into the past.
                meeting = self.at(
                    past_start - timedelta(days=21),
                    partial(
                        decisions.schedule_meeting,
                        pod=pod,
                        actor=actor,
                        starts_at=timezone.now() + timedelta(hours=1),
                        title=spec.title,
                        place=spec.place,
                        agenda=spec.past_agenda,
                    ),
                )
                Meeting.objects.filter(pk=meeting.pk).update(starts_at=past_start)
                meeting.refresh_from_db()
                recorded = past_start + timedelta(hours=3)
                present = [self.members[key] for key in spec.present]
                self.at(
                    recorded,
                    partial(
                        decisions.record_meeting,
                        meeting=meeting,
                        actor=actor,
                        present=present,
                        notes=spec.notes,
                    ),
                )
                Meeting.objects.filter(pk=meeting.pk).update(recorded_at=recorded)
            self.at(
                self.ago(2),
                partial(
                    decisions.schedule_meeting,
                    pod=pod,
                    actor=actor,
                    starts_at=starts(upcoming),
                    title=spec.title,
                    place=spec.place,
                    agenda=spec.next_agenda,
                ),
            )

    def _load_groups(self, network: Network) -> None:
        for index, spec in enumerate(GROUPS):
            convener = self.members[spec.convener]
            formed = self.ago(42 - index)
            group = self.at(
                formed,
                partial(
                    groups.create_group,
                    network=network,
                    name=spec.name,
                    purpose=spec.purpose,
                    actor=convener,
                ),
            )
            for offset, key in enumerate((spec.deputy, *spec.members)):
                self.at(
                    formed + timedelta(hours=6 * (offset + 1)),
                    partial(groups.join_group, group=group, actor=self.members[key]),
                )
            self.at(
                formed + timedelta(days=3),
                partial(
                    groups.appoint,
                    group=group,
                    member=self.members[spec.deputy],
                    position=GroupMembership.Position.DEPUTY,
                    actor=convener,
                ),
            )
            self.groups[spec.key] = group

    def _load_role(self, spec: DemoRole) -> Role:
        """Define the role weeks ago, sign its people up, and let its shifts rotate since."""
        where = ZoneInfo(ZONE)
        first_day = self.now.astimezone(where).date() - timedelta(weeks=ROLES_STARTED_WEEKS_AGO)
        defined = datetime.combine(first_day, time(9), tzinfo=where) - timedelta(days=2)
        draft = schedules.RoleDraft(
            name=spec.name,
            rrule=spec.rrule,
            starts_on=first_day,
            start_time=spec.start,
            time_zone=ZONE,
            duration=timedelta(minutes=spec.minutes),
            description=spec.description,
            is_critical=spec.is_critical,
            is_organizer_role=spec.is_organizer_role,
        )
        creator = self.members[spec.holders[0]]
        if spec.owner in self.groups:
            group = self.groups[spec.owner]
            role = self.at(
                defined,
                lambda: groups.create_group_role(group=group, draft=draft, actor=creator),
            )
        else:
            pod = self.pods[spec.owner]
            role = self.at(
                defined, lambda: schedules.create_role(owner=pod, draft=draft, actor=creator)
            )
        kinds = (
            [(key, RoleHolder.Kind.HOLDER) for key in spec.holders]
            + [(key, RoleHolder.Kind.STANDBY) for key in spec.standby]
            + [(key, RoleHolder.Kind.DEPUTY) for key in spec.deputies]
        )
        for index, (key, kind) in enumerate(kinds):
            member = self.members[key]
            self.at(
                defined + timedelta(hours=2 * (index + 1)),
                partial(schedules.take_on_role, role=role, member=member, kind=kind, actor=member),
            )
        for key in spec.trained:
            self.at(
                defined + timedelta(days=1),
                partial(
                    schedules.record_training, role=role, member=self.members[key], actor=creator
                ),
            )
        # The rotation from the first day on: past shifts, and the coming ones (made unfilled
        # when the role was created, before anyone held it) handed out in turn.
        start = datetime.combine(first_day, time.min, tzinfo=where)
        self.at(
            defined + timedelta(days=1),
            partial(
                schedules.materialize_shifts,
                role=role,
                until=timezone.now() + schedules.HORIZON,
                now=start,
            ),
        )
        past = Shift.objects.filter(
            role=role, status=Shift.Status.ASSIGNED, ends_at__lte=self.now
        ).select_related("role", "assignee")
        for shift in past:
            assert shift.assignee is not None
            self.at(
                shift.ends_at,
                partial(schedules.complete_shift, shift=shift, actor=shift.assignee),
            )
            Shift.objects.filter(pk=shift.pk).update(done_at=shift.ends_at)
        return role

    def _load_roles(self) -> None:
        for spec in ROLES:
            self.roles[spec.key] = self._load_role(spec)
        for key, hours in CAPACITIES.items():
            member = self.members[key]
            self.at(
                self.joined[key] + timedelta(days=2),
                partial(
                    schedules.set_capacity,
                    member=member,
                    hours_per_week=Decimal(hours),
                    actor=member,
                ),
            )
        # A break: Linh's shifts in it are opened, and the nightly top-up refills the ones far
        # enough ahead from the rotation (orientation shows her the handover first).
        linh = self.members[PAUSED]
        today = timezone.localdate(self.now)
        self.at(
            self.ago(1),
            partial(
                orientation.pause_with_handover,
                member=linh,
                pod=self.pods["maple"],
                starts_on=today,
                ends_on=today + timedelta(weeks=PAUSE_WEEKS),
                note=f"Away until {MONTHS[(today + timedelta(weeks=PAUSE_WEEKS)).month - 1]}: "
                "looking after my mom after her hospital stay.",
                actor=linh,
            ),
        )
        for role in self.roles.values():
            self.at(
                self.ago(0.9),
                partial(
                    schedules.materialize_shifts,
                    role=role,
                    until=timezone.now() + schedules.HORIZON,
                ),
            )
        asker, asked = (self.members[key] for key in SWAP)
        shift = (
            Shift.objects.filter(
                role=self.roles["meals"],
                assignee=asker,
                status=Shift.Status.ASSIGNED,
                starts_at__gt=timezone.now() + timedelta(days=1),
            )
            .select_related("role")
            .first()
        )
        assert shift is not None, "the meals rotation gives Fatima a coming shift"
        self.at(
            self.ago(0.3),
            partial(schedules.propose_swap, shift=shift, to_member=asked, actor=asker),
        )

    def _load_welcome(self) -> None:
        """Emergency contacts for most; "not now" from those without a role (except newcomers)."""
        for index, (key, (name, relationship)) in enumerate(EMERGENCY_CONTACTS.items()):
            member = self.members[key]
            self.at(
                self.joined[key] + timedelta(days=1, hours=3),
                partial(
                    orientation.set_emergency_contact,
                    member=member,
                    name=name,
                    phone=PHONE_PREFIX + str(50 + index),
                    relationship=relationship,
                    actor=member,
                ),
            )
        holding = set(RoleHolder.objects.values_list("member_id", flat=True))
        for person in PEOPLE:
            member = self.members[person.key]
            if person.key in NOT_WELCOMED_YET or member.pk in holding:
                continue
            pod = self.pods[person.pod]
            self.at(
                self.joined[person.key] + timedelta(days=2),
                partial(orientation.say_not_now, member=member, pod=pod, actor=member),
            )

    def _load_invitation(self) -> None:
        requester, helper = (self.members[key] for key in INVITATION)
        aid_request = Request.objects.get(requester=requester, status=Request.Status.OPEN)
        organizer = self.members[ORGANIZER]
        self.at(
            self.ago(0.1),
            partial(
                exchange.propose_match, aid_request=aid_request, helper=helper, actor=organizer
            ),
        )

    def _load_delivery_run(self) -> DeliveryRun:
        """Tomorrow's run in Luna Park: stops from claimed requests, two drivers, planned."""
        pod = self.pods[RUN_POD]
        organizer = self.members[POD_ORGANIZERS[RUN_POD]]
        day = timezone.localdate() + timedelta(days=1)
        midnight, _next = deliveries.day_bounds(day)

        def on_day(moment: time) -> datetime:
            return midnight + timedelta(hours=moment.hour, minutes=moment.minute)

        prepared = self.ago(0.25)
        run = self.at(
            prepared,
            partial(
                deliveries.create_run,
                actor=organizer,
                name=RUN_NAME,
                day=day,
                pod=pod,
                solve_seconds=RUN_SOLVE_SECONDS,
            ),
        )
        for stop in RUN_STOPS:
            aid_request = Request.objects.get(
                requester=self.members[stop.requester],
                pod=pod,
                status=Request.Status.CLAIMED,
                category__in=["food", "groceries"],
            )
            draft = deliveries.StopDraft(
                label=stop.label,
                aid_request=aid_request,
                lat=stop.lat,
                lng=stop.lng,
                window_start=on_day(stop.opens),
                window_end=on_day(stop.closes),
                load=stop.load,
                what_to_bring=stop.what_to_bring,
            )
            self.at(
                prepared,
                partial(deliveries.add_stop, run=run, actor=organizer, draft=draft),
            )
        for driver in RUN_DRIVERS:
            member = self.members[driver.member]
            drive = deliveries.DriverDraft(
                capacity=driver.capacity,
                start_lat=driver.lat,
                start_lng=driver.lng,
                available_from=on_day(driver.starts),
                available_until=on_day(driver.ends),
            )
            self.at(
                prepared + timedelta(minutes=30),
                partial(deliveries.add_driver, run=run, actor=member, member=member, draft=drive),
            )
        run.refresh_from_db()
        return self.at(self.ago(0.2), partial(deliveries.plan_run, run=run, actor=organizer))
