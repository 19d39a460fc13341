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
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

from django.db import connection, models, transaction
from django.test.utils import override_settings
from django.utils import timezone

from mutua.audit.models import AuditEvent
from mutua.exchange import services as exchange
from mutua.exchange.models import Message, Offer, Request, Scope, StatusChange
from mutua.members import services as members
from mutua.members.models import (
    Household,
    Member,
    Network,
    NetworkMembership,
    Pod,
    PodMembership,
    SignInCode,
    User,
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
        "carmen",
        "groceries",
        "Alguien que me haga la compra esta semana: tengo el pie enyesado",
        1,
        "open",
        scope=Scope.POD,
        needed_days=4,
        address="77 Luna Park Ave",
        access_notes="Puerta de atrás, la de delante tiene escaleras.",
        contact_phone=PHONE_PREFIX + "88",
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


# --- Loading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSummary:
    network: Network
    pods: int
    households: int
    members: int
    requests: int
    open_requests: int
    offers: int


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
    Network.objects.filter(slug=DEMO_NETWORK_SLUG).delete()
    User.objects.filter(email__endswith="@" + DEMO_EMAIL_DOMAIN).delete()
    SignInCode.objects.filter(email__endswith="@" + DEMO_EMAIL_DOMAIN).delete()


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
        for offer in OFFERS:
            self._load_offer(offer)
        for index, aid_request in enumerate(REQUESTS):
            # Spread the times of day a little, so not every request was made at the same minute.
            self._load_request(aid_request, earlier_by=timedelta(minutes=index * 47 % 240))
        return DemoSummary(
            network=network,
            pods=len(PODS),
            households=len(self.households),
            members=len(self.members),
            requests=len(REQUESTS),
            open_requests=Request.objects.filter(network=network).open().count(),
            offers=Offer.objects.filter(network=network).active().count(),
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
