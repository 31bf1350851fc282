"""``manage.py seed_demo``: fill an empty site with a realistic-looking demo news outlet.

Creates sections, a staff of authors (with generated portrait placeholders), a library of
generated "news photo" illustrations, tags and a few hundred stories spread over the last four
months, published through ``articles.workflow`` like an editor would. Everything is derived from
``--seed`` so two runs with the same options produce the same site (apart from dates, which are
relative to now). A site that already has stories is left alone.
"""

import html
import io
import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock_time
from itertools import pairwise
from time import monotonic

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image as PILImage
from PIL import ImageChops, ImageDraw, ImageFilter
from taggit.models import Tag

from articles.models import Article, Byline, Image, RelatedLink, Section
from articles.search import update_search_vector
from articles.workflow import can_publish, publish
from authors.models import Author

SITE_NAME = "the Daily Ledger"
EMAIL_DOMAIN = "dailyledger.example"
EDITOR_USERNAME = "demo-editor"
IMAGE_COUNT = 60
IMAGE_SIZE = (1600, 900)
PORTRAIT_SIZE = 600
CREDIT = "Illustration: Daily Ledger / Newsroom demo"
DAYS_OF_ARCHIVE = 120

RGB = tuple[int, int, int]
Role = Byline.Role


# --- Content: the world the stories are about ------------------------------------------------

# Country -> (capital, region tag or "").
COUNTRIES = {
    "France": ("Paris", "European Union"),
    "Germany": ("Berlin", "European Union"),
    "Poland": ("Warsaw", "European Union"),
    "Spain": ("Madrid", "European Union"),
    "Brazil": ("Brasília", "Latin America"),
    "Chile": ("Santiago", "Latin America"),
    "Mexico": ("Mexico City", "Latin America"),
    "Colombia": ("Bogotá", "Latin America"),
    "Kenya": ("Nairobi", "Africa"),
    "Nigeria": ("Abuja", "Africa"),
    "Ghana": ("Accra", "Africa"),
    "South Africa": ("Pretoria", "Africa"),
    "Egypt": ("Cairo", "Middle East"),
    "Jordan": ("Amman", "Middle East"),
    "China": ("Beijing", "China"),
    "Japan": ("Tokyo", ""),
    "India": ("New Delhi", ""),
    "Indonesia": ("Jakarta", ""),
    "Canada": ("Ottawa", ""),
    "Australia": ("Canberra", ""),
    "South Korea": ("Seoul", ""),
    "Norway": ("Oslo", ""),
}
COUNTRY_NAMES = list(COUNTRIES)

FIRST_NAMES = [
    "Sarah", "David", "Amina", "Lukas", "Mei", "Jonathan", "Fatou", "Carlos", "Helen", "Arjun",
    "Zara", "Mikael", "Chloe", "Samuel", "Leila", "Patrick", "Nadia", "Thomas", "Inès", "Ben",
    "Yusuf", "Clara", "Ravi", "Joanna", "Tariq", "Freya", "Mateo", "Rosa", "Hamid", "Eleanor",
]  # fmt: skip
LAST_NAMES = [
    "Harrington", "Okonkwo", "Lindqvist", "Moreau", "Patel", "Brooks", "Nakamura", "Haddad",
    "Kaur", "Fischer", "Ndlovu", "Romano", "Campbell", "Sato", "Novak", "Adebayo", "Keane",
    "Fraser", "Silva", "Whitaker", "Jovanović", "Osei", "Carver", "Lefebvre", "Hughes", "Dimitrov",
]  # fmt: skip

GLOBAL_POOLS = {
    "city": [
        "Manchester", "Leeds", "Glasgow", "Cardiff", "Bristol", "Birmingham", "Belfast",
        "Newcastle", "Sheffield", "Liverpool", "Nottingham", "Edinburgh", "Plymouth", "Norwich",
    ],
    "duration": [
        "two days", "three days", "a week", "two weeks", "three weeks", "six months",
        "18 months", "two years",
    ],
    "month": [
        "January", "February", "March", "April", "May", "June", "July", "August", "September",
        "October", "November", "December",
    ],
    "day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "n": ["three", "four", "five", "six", "seven", "eight", "nine", "ten", "12", "15"],
    "nth": ["second", "third", "fourth", "fifth", "sixth"],
    "streak": ["three", "four", "five", "six"],
    "uni": ["Edinburgh", "Leeds", "Bristol", "Manchester", "Exeter", "Glasgow", "Warwick"],
    "region": ["Kent", "Northumberland", "Devon", "the Highlands", "Cornwall", "Norfolk"],
    "money": ["£90m", "£250m", "£450m", "£1.2bn", "£2.5bn", "£4bn"],
}  # fmt: skip

GENERIC_SENTENCES = [
    "The details are expected to be confirmed later this week.",
    "It is not yet clear how the changes will be paid for.",
    "Previous attempts to tackle {subject} have met with mixed success.",
    "Figures published on {day} suggest the picture is more complicated than it first appears.",
    "Critics argue that the announcement offers little that is genuinely new.",
    "Supporters say it marks a significant step forward.",
    "The Daily Ledger understands that further announcements are planned in the coming weeks.",
    "Reaction online was swift, with many questioning the timing.",
    "Experts cautioned against reading too much into a single set of figures.",
    "{Org} said it would study the proposals carefully before responding.",
    "The issue is likely to feature prominently in the months ahead.",
]
ATTRIBUTIONS = [
    "{Official}, {role}, said the coming weeks would be decisive.",
    "The words were those of {official}, {role}, speaking on {day}.",
    "Speaking on {day}, {official}, {role}, said there was \u201cno time to lose\u201d.",
    "{Official}, {role}, made the remarks in an interview with the Daily Ledger.",
]
CLOSERS = [
    "{Org} is expected to set out its response in {month}.",
    "A further update is expected on {day}.",
    "A decision is expected before the end of {month}.",
    "{Org} said it would publish more detail in the coming weeks.",
]
# (text before the link, link text, text after): the link points at a stand-in address.
LINK_SENTENCES = [
    ("The findings are set out in ", "a report published by {org}", " on {day}."),
    ("Our ", "explainer on the background", " sets out how we got here."),
    ("The full figures are ", "available online", "."),
    ("Read ", "the full statement", " published on {day}."),
]
LINK_URLS = [
    "https://example.org/report",
    "https://example.org/reports/annual-review",
    "https://example.org/data",
    "https://example.org/explainer",
    "https://example.org/statement",
]
GENERIC_SUBHEADS = ["What happens next", "The bigger picture", "Reaction"]

# Headline fragments that imply a tag whatever the topic.
KEYWORD_TAGS = {
    "election": "Elections",
    "Poll ": "Opinion polls",
    "MPs": "Parliament",
    "Lords": "Parliament",
    "Prime minister": "Prime minister",
    "Women": "Women's sport",
    "UN ": "United Nations",
    "European Championships": "Olympics",
    "Review:": "Reviews",
}


@dataclass(frozen=True)
class Topic:
    """A strand of coverage: its tags, slot values and the headlines it produces."""

    tags: tuple[str, ...]
    slots: dict = field(default_factory=dict)
    headlines: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()


@dataclass(frozen=True)
class SectionSpec:
    """A section and everything needed to write and illustrate its stories."""

    name: str
    slug: str
    description: str
    weight: int
    tags: tuple[str, ...]  # Most common first.
    scenes: tuple[str, ...]
    skies: tuple[str, ...]
    pools: dict
    topics: tuple[Topic, ...]
    headlines: tuple[str, ...]
    standfirsts: tuple[str, ...]
    ledes: tuple[str, ...]
    sentences: tuple[str, ...]
    quotes: tuple[str, ...]
    subheads: tuple[str, ...]
    list_intro: str
    list_items: tuple[str, ...]


WORLD = SectionSpec(
    name="World",
    slug="world",
    description="News and analysis from around the globe, from our correspondents abroad.",
    weight=16,
    tags=("Diplomacy", "Human rights", "United Nations"),
    scenes=("skyline", "landscape", "civic"),
    skies=("dawn", "dusk", "day", "golden", "overcast"),
    pools={
        "role": [
            "{country}'s foreign minister",
            "the UN's humanitarian co-ordinator for the region",
            "a senior EU diplomat",
            "{country}'s deputy prime minister",
            "head of the Red Cross delegation in {capital}",
        ],
        "org": [
            "the UN refugee agency",
            "a coalition of aid agencies",
            "the World Food Programme",
            "a Geneva-based research group",
        ],
        "disaster": ["flooding", "wildfires", "drought", "a cholera outbreak"],
    },
    topics=(
        Topic(
            ("Climate change", "United Nations"),
            {"thing": "climate finance deal", "subject": "rising sea levels"},
        ),
        Topic(("Ukraine",), {"thing": "ceasefire framework", "subject": "the war in Ukraine"}),
        Topic(
            ("Refugees",),
            {
                "thing": "refugee resettlement plan",
                "subject": "the number of people crossing the Mediterranean",
            },
        ),
        Topic(
            ("Trade", "Ukraine"),
            {"thing": "grain export agreement", "subject": "soaring food prices"},
        ),
        Topic(
            ("Climate change",),
            {"thing": "water-sharing treaty", "subject": "the worsening drought"},
        ),
        Topic(
            ("United Nations",),
            {"thing": "peacekeeping mandate", "subject": "violence in the border region"},
        ),
        Topic(
            ("Human rights",),
            {"thing": "anti-corruption package", "subject": "corruption in public contracts"},
        ),
        Topic(
            ("Elections",), {"thing": "electoral reform bill", "subject": "the disputed election"}
        ),
    ),
    headlines=(
        "{Country} votes to back {thing} after {duration} of talks",
        "{Country} and {country2} sign {thing} in {capital}",
        "Thousands march in {capital} over {subject}",
        "{Country} recalls ambassador as row over {subject} deepens",
        "UN warns {subject} could worsen without new funding",
        "Hopes fade for {thing} as leaders leave {capital} without a deal",
        "{Country}'s president survives confidence vote amid anger over {subject}",
        "What the {thing} means for {country}, and what happens next",
        "{Country} declares state of emergency as {disaster} spreads",
        "{Country} to hold snap election in {month} after coalition collapses",
        "Foreign ministers meet in {capital} to salvage {thing}",
    ),
    standfirsts=(
        "The agreement, reached after {duration} of negotiations, is the first of its kind in "
        "the region. Critics say it leaves key questions unanswered.",
        "Officials in {capital} say the move is needed to address {subject}, but opposition "
        "parties have called it rushed.",
        "Diplomats describe the mood as tense, with {country2} yet to say whether it will "
        "support the {thing}.",
        "Aid agencies say as many as {big} people could be affected in the coming weeks.",
    ),
    ledes=(
        "Lawmakers in {country} have voted to approve the {thing}, ending {duration} of often "
        "fraught negotiations.",
        "Crowds gathered in central {capital} on {day} as anger over {subject} spilled on to the "
        "streets.",
        "Officials in {capital} confirmed on {day} that talks on the {thing} would resume next "
        "week.",
        "The government of {country} has come under growing pressure over {subject}, with {n} "
        "ministers breaking ranks in the past week.",
    ),
    sentences=(
        "Officials from {country2} attended the final session as observers but did not sign.",
        "The {thing} commits both sides to regular reviews, with the first due within six months.",
        "Aid agencies estimate that {big} people have been displaced since the start of the year.",
        "Opposition leaders say the process has been rushed and lacks proper scrutiny.",
        "Diplomats said privately that the text had been watered down in the final hours.",
        "Analysts say the outcome will be watched closely in neighbouring countries.",
        "The European Union has said it is ready to provide technical support.",
        "Turnout at the demonstrations was lower than organisers had hoped, but the protests "
        "remained largely peaceful.",
        "The country's currency fell by {pct}% against the dollar in the days that followed.",
        "Human rights groups have called for an independent investigation.",
        "Satellite images published by researchers appear to show the scale of the damage.",
        "A spokesperson for the foreign ministry in {capital} declined to comment on the details.",
    ),
    quotes=(
        "This is not the end of the process, but it is the end of the beginning.",
        "We cannot ask families to wait another winter for help that has already been promised.",
        "Every country at this table has made compromises. That is what an agreement looks like.",
        "The world is watching, and it expects more than words.",
    ),
    subheads=(
        "A fragile consensus",
        "Pressure from neighbours",
        "A humanitarian emergency",
        "Years in the making",
        "Questions over funding",
    ),
    list_intro="The main points of the agreement are:",
    list_items=(
        "A review of progress every six months",
        "A joint monitoring commission based in {capital}",
        "New funding of {money} over three years",
        "Guaranteed access for aid convoys",
        "A timetable for elections within two years",
    ),
)

POLITICS = SectionSpec(
    name="Politics",
    slug="politics",
    description="Westminster, the devolved nations and the decisions that shape public life.",
    weight=16,
    tags=("Parliament", "Prime minister", "Opinion polls", "Budget"),
    scenes=("civic", "skyline", "civic"),
    skies=("dawn", "overcast", "dusk", "day", "golden"),
    pools={
        "role": [
            "a cabinet minister",
            "the shadow home secretary",
            "chair of the Commons select committee",
            "the mayor of {city}",
            "a senior backbencher",
        ],
        "org": [
            "the Local Government Association",
            "the Institute for Government",
            "a cross-party group of MPs",
            "the Electoral Commission",
        ],
        "points": ["three", "four", "five", "seven", "nine", "11"],
        "votes_for": ["312", "287", "301", "276", "264"],
        "votes_against": ["198", "241", "176", "233", "250"],
    },
    topics=(
        Topic(
            ("Housing", "Parliament"),
            {"policy": "housing bill", "subject": "the shortage of affordable homes"},
        ),
        Topic(("Immigration",), {"policy": "immigration bill", "subject": "net migration"}),
        Topic(
            ("Welfare",),
            {"policy": "welfare reform package", "subject": "the rising cost of benefits"},
        ),
        Topic(
            ("Local government",),
            {"policy": "council funding settlement", "subject": "pressure on local services"},
        ),
        Topic(("Budget",), {"policy": "spending review", "subject": "public sector pay"}),
        Topic(
            ("Housing",), {"policy": "planning overhaul", "subject": "delays to new infrastructure"}
        ),
        Topic(
            ("Energy prices",),
            {"policy": "energy bills support scheme", "subject": "household energy costs"},
        ),
        Topic(
            ("Local government",),
            {"policy": "devolution deal", "subject": "powers for regional mayors"},
        ),
    ),
    headlines=(
        "Prime minister faces backbench revolt over {policy}",
        "MPs back {policy} despite warnings over {subject}",
        "Government U-turn on {policy} after {duration} of pressure",
        "Opposition demands inquiry into {subject}",
        "Ministers to publish {policy} in {month}",
        "{City} mayor warns {policy} 'does not go far enough'",
        "Poll puts opposition {points} points ahead as voters worry about {subject}",
        "Cabinet split over {policy} as deadline nears",
        "{City} by-election seen as test of mood over {subject}",
        "Lords defeat government over {policy}",
        "What is in the {policy}, and who will it affect?",
    ),
    standfirsts=(
        "Ministers say the plans will address {subject}, but critics on both sides of the "
        "Commons are unconvinced.",
        "The vote, expected on {day}, is the biggest test of the government's authority since "
        "the election.",
        "Backbenchers have warned that the {policy} risks alienating voters in places such as "
        "{city}.",
        "Downing Street insists the policy is settled, but senior figures are pushing for changes.",
    ),
    ledes=(
        "The government is facing a growing backbench rebellion over its {policy}, with {n} MPs "
        "signalling they could vote against it.",
        "Ministers have confirmed that the {policy} will go ahead, despite mounting concern about "
        "{subject}.",
        "MPs voted by {votes_for} votes to {votes_against} on {day} to approve the {policy} at "
        "its second reading.",
        "Pressure is mounting on Downing Street to rethink its {policy} after a week of damaging "
        "headlines.",
    ),
    sentences=(
        "The Treasury estimates the measures will cost {money} over the course of the parliament.",
        "Backbenchers say constituents in towns such as {city} feel left behind.",
        "A government spokesperson said the plans had been \u201ccarefully costed\u201d.",
        "The opposition has said it would scrap the policy if it wins the next general election.",
        "Independent economists have questioned whether the numbers add up.",
        "Several ministers are understood to have raised concerns in cabinet.",
        "Polling suggests the public is evenly split on the issue.",
        "The bill will now move to committee stage, where amendments are expected.",
        "Council leaders have warned that they were not properly consulted.",
        "The row is the latest in a series of disputes between Number 10 and its backbenches.",
        "Campaigners say the changes do little to tackle {subject}.",
    ),
    quotes=(
        "People in my constituency want to see results, not more consultations.",
        "We were elected to take difficult decisions, and this is one of them.",
        "This is a policy made in Westminster, for Westminster.",
        "The government has listened, and we will make changes where they are needed.",
    ),
    subheads=("A test of authority", "The numbers", "Rebels' demands", "Voters' verdict"),
    list_intro="What the plans include:",
    list_items=(
        "A new duty on councils to publish annual plans",
        "Extra funding of {money} over four years",
        "A review of the scheme after 18 months",
        "New powers for regional mayors",
        "A cap on fees charged to tenants",
    ),
)

BUSINESS = SectionSpec(
    name="Business",
    slug="business",
    description="Companies, markets and the economy: what they mean for your money.",
    weight=14,
    tags=("Economy", "Inflation", "Interest rates"),
    scenes=("chart", "skyline", "chart"),
    skies=("night", "dusk", "day", "dawn"),
    pools={
        "firm": [
            "Harlow & Finch",
            "Northgate Foods",
            "Ashby Retail Group",
            "Pennine Airways",
            "Castleford Holdings",
        ],
        "bank": ["Meridian Bank", "Castleford Building Society", "Albion Savings"],
        "jobs": ["250", "400", "1,200", "2,000", "3,500"],
        "role": [
            "the chief executive of {firm}",
            "chief economist at a City investment bank",
            "the chancellor",
            "an analyst at a consumer group",
            "director of a small-business lobby group",
        ],
        "org": [
            "the Bank of England",
            "the Office for National Statistics",
            "the British Chambers of Commerce",
            "a leading consumer group",
        ],
    },  # fmt: skip
    topics=(
        Topic(
            ("Interest rates", "Inflation"),
            {
                "subject": "interest rates",
                "rate": ["4.75", "4.5", "4.25", "4"],
                "mpc": ["7-2", "6-3", "5-4", "8-1"],
            },
            (
                "Bank of England holds interest rates at {rate}%",
                "Interest rates cut to {rate}% as inflation eases",
                "Mortgage lenders cut rates ahead of Bank decision",
                "Markets bet on further rate cuts before the end of the year",
            ),
            (
                "The Bank's Monetary Policy Committee voted {mpc} in favour of the decision.",
                "Rates peaked at 5.25% in 2023, the highest level in 15 years.",
            ),
        ),
        Topic(
            ("Inflation",),
            {"subject": "inflation", "infl": ["2.1", "2.6", "3.0", "3.4", "3.8"]},
            (
                "Inflation falls to {infl}% as food prices ease",
                "Inflation unexpectedly rises to {infl}%",
                "Shop price inflation slows for {nth} month",
            ),
            (
                "Food prices rose by {pct}% in the year to last month.",
                "The Bank of England's target is 2%.",
            ),
        ),
        Topic(
            ("Jobs",),
            {"subject": "the jobs market", "unemp": ["4.2", "4.4", "4.7", "5.0"]},
            (
                "{Firm} to cut {jobs} jobs in restructuring",
                "Unemployment rises to {unemp}% as hiring slows",
                "{Firm} to create {jobs} jobs at new site in {city}",
            ),
            ("Unions said they would seek urgent talks with management.",),
        ),
        Topic(
            ("Retail",),
            {"subject": "high street spending"},
            (
                "{Firm} profits rise as shoppers trade up",
                "High street sales fall for {nth} month running",
                "{Firm} to close {n} stores as it shifts online",
            ),
            ("Footfall on the high street is still below pre-pandemic levels.",),
        ),
        Topic(
            ("Energy prices",),
            {
                "subject": "energy bills",
                "firm": ["Brightwell Energy", "Northsea Power", "Helix Gas"],
            },
            (
                "Energy price cap to fall by {pct}% from {month}",
                "{Firm} profits soar on higher gas prices",
                "Households face higher bills as price cap rises",
            ),
            (
                "About {big} households are behind on their energy bills, according to the regulator.",
            ),
        ),
        Topic(
            ("Banking",),
            {
                "subject": "the banking sector",
                "firm": ["Meridian Bank", "Castleford Building Society", "Albion Savings"],
            },
            (
                "{Firm} fined {money} over failures in money-laundering checks",
                "{Firm} shares slide after profit warning",
                "Banks told to pass on higher interest rates to savers",
            ),
            ("The regulator said the failings had gone on for several years.",),
        ),
        Topic(
            ("Housing",),
            {"subject": "house prices"},
            (
                "House prices rise {pct}% in a year, says {bank}",
                "First-time buyers priced out in {city}, report finds",
                "Rents hit record high in {city}",
            ),
            ("The average first-time buyer now needs a deposit of more than £60,000.",),
        ),
        Topic(
            ("Trade",),
            {"subject": "trade"},
            (
                "Exports to {country} fall {pct}% after new tariffs",
                "UK and {country} agree outline trade deal",
                "Business groups warn over new border checks",
            ),
            ("{Country} is one of the UK's {n} largest trading partners.",),
        ),
        Topic(
            ("Startups", "Artificial intelligence"),
            {
                "subject": "tech investment",
                "firm": ["Fernbank", "Quill Robotics", "Mossgrove Health"],
                "amount": ["£12m", "£40m", "£85m", "£150m"],
            },
            (
                "{City} start-up {firm} raises {amount} to expand overseas",
                "Investment in UK start-ups falls for {nth} quarter in a row",
            ),
            ("{Firm} was founded in {city} {n} years ago and now employs more than 200 people.",),
        ),
    ),
    headlines=(
        "Explained: what the latest figures on {subject} mean for you",
        "{Subject}: why the outlook is brighter than it looks",
    ),
    standfirsts=(
        "The move will be welcomed by borrowers, but economists warn the outlook remains "
        "uncertain.",
        "Official figures show {subject} moving in the right direction, but only slowly.",
        "The announcement comes as firms wrestle with higher costs and weaker demand.",
        "Analysts say the decision could mark a turning point for {subject}.",
    ),
    ledes=(
        "New figures published on {day} have added to the debate about {subject}.",
        "{Subject} has moved to the centre of the economic debate after a turbulent week in the "
        "markets.",
        "Businesses and households are bracing for another difficult few months as concern grows "
        "over {subject}.",
    ),
    sentences=(
        "Shares in {firm} closed {small_pct}% lower in London.",
        "Economists had expected the figures to be broadly unchanged.",
        "The pound rose slightly against the dollar after the announcement.",
        "Businesses say high costs are still weighing on investment.",
        "Consumer confidence remains fragile, according to the latest surveys.",
        "The Treasury said the figures showed its plan was working.",
        "Analysts at several City banks revised their forecasts on {day}.",
        "Smaller firms have been hit hardest by rising costs.",
        "The FTSE 100 ended the day {small_pct}% higher.",
        "The figures will be closely watched by the Bank of England.",
    ),
    quotes=(
        "The direction of travel is positive, but households are not out of the woods yet.",
        "We have taken difficult decisions to put the business on a sustainable footing.",
        "Confidence is the missing ingredient. Until it returns, firms will hold back.",
        "These numbers will make uncomfortable reading in Threadneedle Street.",
    ),
    subheads=("Market reaction", "What it means for you", "A turning point?", "Winners and losers"),
    list_intro="What it means:",
    list_items=(
        "Mortgage rates may fall further",
        "Savers could see lower returns",
        "Borrowing costs for firms should ease",
        "Prices are still rising, but more slowly",
    ),
)

TECHNOLOGY = SectionSpec(
    name="Technology",
    slug="technology",
    description="The companies, gadgets and ideas changing how we live and work.",
    weight=12,
    tags=("Big tech",),
    scenes=("circuit", "bokeh", "skyline"),
    skies=("night",),
    pools={
        "firm": ["Lumen Labs", "Corvid AI", "Halcyon Systems", "Northwind Software"],
        "role": [
            "{firm}'s chief executive",
            "a researcher at the University of {uni}",
            "the information commissioner",
            "a digital rights campaigner",
            "the technology minister",
        ],
        "org": [
            "the Information Commissioner's Office",
            "Ofcom",
            "the Competition and Markets Authority",
            "a leading digital rights group",
        ],
        "sector": ["legal", "healthcare", "retail", "teaching", "customer service"],
    },
    topics=(
        Topic(
            ("Artificial intelligence",),
            {"subject": "artificial intelligence"},
            (
                "{Firm} unveils AI assistant for {sector} workers",
                "Regulator opens inquiry into AI chatbot used by {n} million people",
                "AI tools could change a third of office jobs, study suggests",
                "Artists take {firm} to court over AI training data",
            ),
            ("{Firm} says its system has been tested by more than {big} businesses.",),
        ),
        Topic(
            ("Cybersecurity",),
            {
                "subject": "cybersecurity",
                "firm": ["Kestrel Retail", "Orbis Telecom", "Pennine Water", "Ashby Logistics"],
            },
            (
                "{Firm} confirms data breach affecting {big} customers",
                "Ransomware attack disrupts {city} council services",
                "Cyber-attack on supplier causes delays at hospitals in {city}",
            ),
            ("The National Cyber Security Centre is understood to be assisting.",),
        ),
        Topic(
            ("Social media",),
            {"subject": "online safety", "firm": ["Chirp", "Loopline", "Snapfeed"]},
            (
                "Social media firms given {n} months to bring in tougher age checks",
                "{Firm} fined {money} over handling of children's data",
                "Teenagers spend more than four hours a day on phones, survey finds",
            ),
            ("Ofcom's new codes of practice came into force earlier this year.",),
        ),
        Topic(
            ("Smartphones",),
            {"subject": "smartphones", "firm": ["Orbis", "Nimbus Mobile", "Keystone"]},
            (
                "{Firm} launches foldable phone with week-long battery life",
                "Phone makers must offer {n} years of updates under new rules",
                "Second-hand phone market booms as prices rise",
            ),
            ("The average price of a new flagship phone has passed £1,000.",),
        ),
        Topic(
            ("Electric vehicles",),
            {
                "subject": "electric cars",
                "firm": ["Kestrel Motors", "Volta Automotive", "Ridgeway EV"],
            },
            (
                "Electric car sales overtake diesel for first time",
                "{Firm} to build battery plant near {city}",
                "Charging point rollout 'too slow', MPs warn",
            ),
            ("Electric cars made up about one in five new registrations last month.",),
        ),
        Topic(
            ("Big tech", "China"),
            {"subject": "chip manufacturing", "firm": ["Siltech", "Quantel Semiconductor"]},
            (
                "{Country} pledges {money} to build chip factories",
                "Chip shortage eases as new plants open",
            ),
            ("Most of the world's advanced chips are made in a handful of factories.",),
        ),
        Topic(
            ("Privacy",),
            {"subject": "data protection", "firm": ["Kestrel Retail", "Chirp"]},
            (
                "Watchdog warns shops over use of facial recognition",
                "New rules let users delete their data from apps",
            ),
        ),
    ),
    headlines=(
        "Analysis: why the row over {subject} matters to all of us",
        "{Firm} under pressure over {subject} as regulators step in",
    ),
    standfirsts=(
        "The move raises fresh questions about how the industry handles {subject}.",
        "Campaigners have welcomed the change, but say it should have come years ago.",
        "{Firm} insists the technology is safe, but regulators want to see the evidence.",
    ),
    ledes=(
        "{Firm} has become the latest technology company to face questions over {subject}.",
        "The debate over {subject} has intensified after a week of announcements.",
        "Ministers are under pressure to act on {subject}, after a report published on {day}.",
    ),
    sentences=(
        "The company said it took the security of its users extremely seriously.",
        "Regulators in Europe and the US are examining similar issues.",
        "Critics say the industry has been too slow to act.",
        "Shares in {firm} rose {small_pct}% in early trading.",
        "The technology is already used by millions of people every day.",
        "Digital rights groups have raised concerns about transparency.",
        "The changes will be rolled out gradually over the coming months.",
        "Smaller firms say they cannot afford to keep up with the pace of change.",
        "Engineers at {firm} have been working on the project for {n} years.",
        "Users will be able to opt out through the settings menu.",
    ),
    quotes=(
        "Technology should serve people, not the other way round.",
        "We are moving as fast as we responsibly can.",
        "Consumers deserve to know how their data is being used.",
        "The genie is out of the bottle. The question now is how we live with it.",
    ),
    subheads=("How it works", "Privacy concerns", "The business case", "Regulators circle"),
    list_intro="What changes for users:",
    list_items=(
        "New privacy settings switched on by default",
        "Clearer labels on AI-generated content",
        "An option to download your data",
        "Stricter checks on age",
    ),
)

SCIENCE = SectionSpec(
    name="Science",
    slug="science",
    description="Discoveries, research and the people behind them, explained clearly.",
    weight=10,
    tags=("Research",),
    scenes=("night_sky", "landscape", "bokeh"),
    skies=("dawn", "day", "golden", "overcast"),
    pools={
        "role": [
            "a professor at the University of {uni}",
            "the study's lead author",
            "the mission's chief scientist",
            "a researcher at the University of {uni} who was not involved in the study",
        ],
        "org": [
            "the Royal Society",
            "the Met Office",
            "the UK Space Agency",
            "the Natural History Museum",
        ],
        "journal": ["Nature", "Science", "Nature Communications", "PNAS"],
    },
    topics=(
        Topic(
            ("Space",),
            {
                "subject": "space exploration",
                "body": ["Jupiter's moon Europa", "a distant comet", "the far side of the Moon"],
                "target": ["sea levels", "methane emissions", "polar ice", "forest cover"],
                "find": [
                    "an Earth-sized planet",
                    "a rare double star",
                    "one of the earliest galaxies yet seen",
                ],
                "ly": ["40", "120", "1,300", "13 billion"],
            },
            (
                "Probe sends back first close-up images of {body}",
                "UK-built satellite launched to monitor {target}",
                "Astronomers detect {find} {ly} light years away",
                "Rocket launch from Scottish spaceport delayed by weather",
            ),
            (
                "The mission has cost about {money} and has been in development for a decade.",
                "Data from the instruments will be shared with researchers around the world.",
            ),
        ),
        Topic(
            ("Climate change",),
            {"subject": "the climate"},
            (
                "Last month was the warmest {month} on record, scientists say",
                "Heatwaves now {n} times more likely because of climate change, study finds",
                "Arctic sea ice shrinks to near-record low",
                "Wettest winter in a century leaves farmers counting the cost",
            ),
            ("Global temperatures are now about 1.3C above pre-industrial levels.",),
        ),
        Topic(
            ("Biodiversity",),
            {
                "subject": "wildlife",
                "animal": ["pine marten", "white-tailed eagle", "bittern", "wildcat"],
                "river": ["the River Tamar", "the River Otter", "the River Wye"],
            },
            (
                "Rare {animal} spotted in {region} for first time in decades",
                "Insect numbers have fallen sharply in a decade, survey finds",
                "Beavers return to {river} after 400 years",
            ),
            ("Volunteers recorded sightings across {n} sites over the summer.",),
        ),
        Topic(
            ("Climate change", "Biodiversity"),
            {"subject": "the oceans"},
            (
                "Coral reefs suffer worst bleaching on record",
                "Deep-sea expedition finds {n} new species",
                "Ocean temperatures hit record high for {nth} month",
            ),
            ("The oceans have absorbed about 90% of the extra heat trapped by greenhouse gases.",),
        ),
        Topic(
            ("Physics",),
            {"subject": "physics", "particle": ["the W boson", "the neutrino", "the muon"]},
            (
                "Fusion experiment sets new energy record",
                "Physicists measure {particle} with record precision",
                "Quantum computer solves problem in minutes, researchers claim",
            ),
        ),
        Topic(
            ("Archaeology",),
            {"subject": "archaeology"},
            (
                "Roman villa unearthed beneath {city} car park",
                "Bronze Age hoard found by metal detectorist in {region}",
                "Ancient DNA reveals how the first farmers reached Britain",
            ),
            ("The finds will go on display at a local museum next year.",),
        ),
        Topic(
            ("Genetics",),
            {
                "subject": "genetics",
                "trait": ["long life", "migraine", "left-handedness", "sleep patterns"],
            },
            (
                "Gene-edited wheat approved for field trials",
                "Scientists identify genes linked to {trait}",
                "Genome study of {big} people sheds light on ageing",
            ),
        ),
    ),
    headlines=("Explained: what scientists now know about {subject}",),
    standfirsts=(
        "The findings, published on {day}, could change how scientists think about {subject}.",
        "Researchers say the results are striking, but caution that more work is needed.",
        "The discovery was made by a team working across {n} countries.",
    ),
    ledes=(
        "Scientists say they have made an important step forward in understanding {subject}.",
        "A team led by researchers at the University of {uni} has published new findings on "
        "{subject}.",
        "New research suggests our understanding of {subject} may need to be revised.",
    ),
    sentences=(
        "The findings have been published in the journal {journal}.",
        "Other scientists not involved in the work described the results as \u201cstriking\u201d.",
        "The team says more work is needed to confirm the results.",
        "The research was funded by a mix of public and charitable grants.",
        "It builds on earlier work by teams in {country} and {country2}.",
        "Data was collected over {n} years.",
        "The researchers used a combination of satellite data and fieldwork.",
        "Some experts urged caution, noting the relatively small sample.",
        "The project involved more than {n} institutions.",
        "Results from a larger follow-up study are expected next year.",
    ),
    quotes=(
        "This is the kind of result you hope for once in a career.",
        "We were surprised by what we found, and we want other teams to check our work.",
        "Science moves in small steps, but this is a significant one.",
        "The data are telling us something important, and we should listen.",
    ),
    subheads=("How the study worked", "A surprising result", "What it means", "A word of caution"),
    list_intro="The researchers found that:",
    list_items=(
        "Changes were visible within {n} years",
        "The effect was strongest in the south",
        "Results were consistent across {n} sites",
        "Earlier estimates had been too low",
    ),
)

HEALTH = SectionSpec(
    name="Health",
    slug="health",
    description="The NHS, medicine and public health, and what they mean for patients.",
    weight=10,
    tags=("NHS", "Public health"),
    scenes=("bokeh", "landscape", "bokeh"),
    skies=("dawn", "day", "golden"),
    pools={
        "role": [
            "the health secretary",
            "a consultant at a hospital in {city}",
            "a GP in {city}",
            "chief executive of a patients' charity",
            "the chief medical officer",
        ],
        "org": [
            "NHS England",
            "the Royal College of Nursing",
            "the British Medical Association",
            "a leading health think tank",
        ],
    },
    topics=(
        Topic(
            ("NHS",),
            {"subject": "NHS waiting lists"},
            (
                "NHS waiting list falls for {nth} month in a row",
                "A&E waiting times in {city} worst on record",
                "Nurses to vote on strike action over pay",
                "Hospitals told to cut spending on agency staff",
            ),
            (
                "About {big} patients have been waiting more than a year for treatment.",
                "The target of seeing 95% of A&E patients within four hours has not been met for "
                "years.",
            ),
        ),
        Topic(
            ("Mental health", "NHS"),
            {"subject": "mental health services"},
            (
                "Young people waiting {n} months for mental health care",
                "Mental health apps 'no substitute for therapy', experts say",
                "Record numbers signed off work with mental ill health",
            ),
            ("Referrals to children's mental health services have risen by {pct}% in a year.",),
        ),
        Topic(
            ("Vaccines", "Public health"),
            {"subject": "vaccination"},
            (
                "Winter flu jab uptake lowest in a decade",
                "Measles cases rise as vaccination rates fall",
                "New vaccine to be offered to over-75s from {month}",
            ),
            ("Uptake among children under five is below the level needed to prevent outbreaks.",),
        ),
        Topic(
            ("Cancer", "NHS"),
            {"subject": "cancer care"},
            (
                "Blood test could detect {n} types of cancer early, trial suggests",
                "Cancer patients waiting too long for treatment, charity warns",
            ),
            ("The trial involved more than {big} patients across England.",),
        ),
        Topic(
            ("Obesity", "Public health"),
            {"subject": "obesity"},
            (
                "Weight-loss jabs to be offered by GPs",
                "Ban on junk food adverts before 9pm comes into force",
            ),
        ),
        Topic(
            ("Social care",),
            {"subject": "social care"},
            (
                "Care homes warn of closures as costs rise",
                "Dementia diagnoses rising faster than expected, study finds",
                "Unpaid carers save the economy {money} a year, report says",
            ),
            ("Around {big} people are waiting for a social care assessment.",),
        ),
    ),
    headlines=("Explained: what the latest figures on {subject} really show",),
    standfirsts=(
        "The figures show the scale of the pressure on the health service as it heads into winter.",
        "Patient groups welcomed the news but said it would take years to make a real difference.",
        "Experts say the change could benefit {big} people a year.",
    ),
    ledes=(
        "New figures published on {day} show the scale of the challenge facing {subject}.",
        "Health leaders have warned that {subject} is at a turning point.",
        "Patients in {city} are among those hardest hit, according to the latest data.",
    ),
    sentences=(
        "The Department of Health said it was investing record sums in the health service.",
        "Patient groups say the figures mask wide variation between regions.",
        "Doctors' leaders warned that staff were exhausted.",
        "Some hospital trusts have met the target, but many remain far behind.",
        "The findings have been published in a peer-reviewed journal.",
        "The government has promised a long-term plan for the workforce.",
        "Charities say more needs to be done to reach people in deprived areas.",
        "Clinicians in {city} say demand has risen sharply over the winter.",
        "Experts say prevention would save money in the long run.",
        "Anyone with concerns is advised to speak to their GP.",
    ),
    quotes=(
        "Behind every one of these numbers is a patient and a family waiting for answers.",
        "Staff are working incredibly hard, but they cannot do the impossible.",
        "This is encouraging, but we need to see it sustained over many months.",
        "Prevention has to be at the heart of any long-term plan.",
    ),
    subheads=(
        "Pressure on the front line",
        "What the data shows",
        "A postcode lottery",
        "What patients can do",
    ),
    list_intro="The plan includes:",
    list_items=(
        "Extra evening and weekend appointments",
        "{money} for new diagnostic centres",
        "Faster referrals for urgent cases",
        "A national recruitment campaign",
    ),
)

CULTURE = SectionSpec(
    name="Culture",
    slug="culture",
    description="Film, music, books, theatre and art: reviews, interviews and the arts economy.",
    weight=11,
    tags=("Arts funding",),
    scenes=("stage", "stage", "skyline"),
    skies=("dusk", "night", "golden"),
    pools={
        "role": [
            "the festival's director",
            "the gallery's director",
            "the venue's artistic director",
            "chief executive of the industry's trade body",
            "the film's producer",
        ],
        "org": [
            "the Arts Council",
            "the industry's trade body",
            "the Musicians' Union",
            "the organisers",
        ],
    },
    topics=(
        Topic(
            ("Film",),
            {
                "subject": "British film",
                "title": [
                    "The Quiet Harbour",
                    "Northern Lights",
                    "A Winter in Lisbon",
                    "The Glass Orchard",
                    "Saltmarsh",
                    "Paper Kingdoms",
                ],
                "adj": ["tender", "gripping", "haunting", "uneven but brave", "joyful"],
                "theme": ["grief", "a family in crisis", "small-town life", "friendship"],
            },
            (
                "Review: {title} is a {adj} portrait of {theme}",
                "{Title} tops UK box office in its opening weekend",
                "British film studios report record year for production",
                "{Title} director on making a film about {theme}",
            ),
            (
                "{Title} was shot over {n} weeks in and around {city}.",
                "The film opens in cinemas on {day}.",
            ),
        ),
        Topic(
            ("Music",),
            {
                "subject": "live music",
                "band": ["The Lanterns", "Marlow Street", "Hollow Coast", "Ada Vale"],
                "venue": ["Corn Exchange", "Assembly Rooms", "Albert Hall"],
            },
            (
                "{Band} announce first tour in {n} years",
                "Grassroots music venues closing at a rate of {streak} a month",
                "Review: {band} at the {venue}, {city}",
            ),
            (
                "{Band} formed in {city} in the early 2000s.",
                "Tickets for the tour go on sale on {day}.",
            ),
        ),
        Topic(
            ("Books",),
            {
                "subject": "publishing",
                "prize": ["the Harbourside fiction prize", "the Wainwright debut award"],
                "purse": ["£10,000", "£25,000", "£50,000"],
            },
            (
                "{Official2} wins {prize} for debut novel",
                "Library closures 'a false economy', authors warn",
                "Children reading for pleasure at lowest level, survey finds",
            ),
            ("The prize is worth {purse}.",),
        ),
        Topic(
            ("Theatre",),
            {
                "subject": "theatre",
                "play": ["The Long Crossing", "Ferryman's Daughter", "Small Hours"],
                "theatre": ["Playhouse", "Lyceum", "Royal Exchange"],
            },
            (
                "Review: {play} at the {theatre}, {city}",
                "Regional theatres warn of closures as funding falls",
                "{Play} transfers to the West End after sell-out run",
            ),
        ),
        Topic(
            ("Television",),
            {
                "subject": "television",
                "show": ["Low Tide", "The Registrar", "Harbour Lights", "Northbound"],
            },
            (
                "{Show} renewed for a second series",
                "Live TV audiences fall again as streaming grows",
                "The week in TV: {show}, and a quiet triumph",
            ),
        ),
        Topic(
            ("Art",),
            {"subject": "the visual arts", "price": ["£1.2m", "£3.5m", "£640,000", "£2.1m"]},
            (
                "Gallery in {city} reopens after {money} refurbishment",
                "Lost painting found in attic sells for {price}",
                "Major retrospective of {official2} opens in {city}",
            ),
        ),
        Topic(
            ("Festivals", "Music"),
            {
                "subject": "festivals",
                "festival": ["Greenwood Festival", "Harbour Sound", "Fieldfare Weekend"],
            },
            (
                "Summer festivals face squeeze as costs rise",
                "{Festival} announces headliners for this year's event",
            ),
        ),
        Topic(
            ("Video games",),
            {"subject": "the games industry"},
            (
                "{City} studio's new game sells {n} million copies",
                "Video game voice actors win new pay deal",
            ),
        ),
    ),
    headlines=(),
    standfirsts=(
        "It has been a year of highs and lows for {subject}, and this is one of the highs.",
        "Critics and audiences agree: this is something special.",
        "The move reflects a wider struggle facing {subject} across the country.",
    ),
    ledes=(
        "It has been a remarkable few weeks for {subject}.",
        "There was a buzz in {city} on {day} as the news broke.",
        "{Subject} has had a difficult year, but there are signs of recovery.",
    ),
    sentences=(
        "Audiences have responded warmly, with several dates already sold out.",
        "The sector has struggled since the pandemic, with costs rising faster than income.",
        "Arts organisations across the country report similar pressures.",
        "Ticket prices have risen by an average of {pct}% over the past year.",
        "It is the latest sign of a shift in how audiences choose to spend their money.",
        "Industry figures say the picture varies sharply from region to region.",
        "Younger audiences in particular have embraced the change.",
        "Organisers say the response has exceeded expectations.",
        "Some have called for more public funding to protect smaller venues.",
        "The announcement was made at an event in {city} on {day}.",
    ),
    quotes=(
        "Culture is not a luxury. It is how a country understands itself.",
        "We wanted to make something honest, and audiences have responded to that.",
        "Small venues are where careers begin. Lose them and you lose the next generation.",
        "Nobody expected this level of interest. We are thrilled.",
    ),
    subheads=("A changing audience", "Behind the scenes", "The economics", "What critics said"),
    list_intro="Highlights include:",
    list_items=(
        "A new production opening in {city} in {month}",
        "A free programme for schools",
        "Late-night openings every {day}",
        "A season of work by emerging artists",
    ),
)

SPORT = SectionSpec(
    name="Sport",
    slug="sport",
    description="Results, reaction and analysis from football, cricket, rugby and beyond.",
    weight=15,
    tags=(),
    scenes=("pitch", "pitch", "track"),
    skies=("dusk", "day", "golden", "night"),
    pools={
        "role": [
            "the head coach",
            "the captain",
            "the team's performance director",
            "the club's chief executive",
        ],
        "org": ["the governing body", "the players' association", "the league", "the organisers"],
    },
    topics=(
        Topic(
            ("Football", "Premier League"),
            {
                "subject": "the title race",
                "fc+fc2": [
                    "Ashford United",
                    "Redbridge City",
                    "Kingsport Athletic",
                    "Harlow Rovers",
                    "Westfield Town",
                    "Northam Albion",
                ],
                "score": ["2-1", "3-0", "1-0", "4-2", "2-0", "3-2"],
            },
            (
                "{Fc} beat {fc2} {score} to go top of the table",
                "{Fc} sack manager after {streak} defeats in a row",
                "Late equaliser earns {fc2} a point against {fc}",
                "{Fc} complete club-record signing of {player}",
                "{Player} double sends {fc} into cup quarter-finals",
            ),
            (
                "{Fc} have now won {streak} of their last six league matches.",
                "{Player} has scored in each of the past {streak} games.",
            ),
        ),
        Topic(
            ("Football", "Women's sport"),
            {
                "subject": "the Women's Super League",
                "fc+fc2": [
                    "Ashford United",
                    "Redbridge City",
                    "Kingsport Athletic",
                    "Westfield Town",
                ],
            },
            (
                "{Fc} Women extend unbeaten run to {streak} games",
                "Record crowd of {big} watches {fc} Women beat {fc2}",
            ),
            ("Attendances in the women's game have more than doubled in three seasons.",),
        ),
        Topic(
            ("Cricket", "Test cricket"),
            {
                "subject": "the Test series",
                "rival": ["India", "Australia", "South Africa", "New Zealand", "Pakistan"],
                "runs": ["143", "187", "212", "98", "256"],
            },
            (
                "England bowled out for {runs} on day one against {rival}",
                "Century from {player} puts England in control against {rival}",
                "{Player} named England captain for tour of {rival}",
            ),
            ("England have won {streak} of their past ten Tests.",),
        ),
        Topic(
            ("Tennis", "Grand Slam"),
            {
                "subject": "the tournament",
                "event": ["the Australian Open", "the French Open", "Wimbledon", "the US Open"],
            },
            (
                "{Player} knocks out top seed in straight sets",
                "{Player} through to first Grand Slam semi-final at {event}",
                "Injury forces {player} out of {event}",
            ),
        ),
        Topic(
            ("Athletics", "Olympics"),
            {
                "subject": "the athletics season",
                "distance": ["800m", "1500m", "5,000m", "400m hurdles", "10,000m"],
            },
            (
                "{Player} breaks British {distance} record in {capital}",
                "{Player} wins {distance} gold at European Championships",
            ),
        ),
        Topic(
            ("Rugby", "Six Nations"),
            {
                "subject": "the Six Nations",
                "side+side2": ["England", "Wales", "Scotland", "Ireland", "France", "Italy"],
                "rscore": ["24-21", "31-27", "18-17", "29-23"],
            },
            (
                "{Side} edge {side2} {rscore} in Six Nations thriller",
                "{Side} name uncapped {player} in squad to face {side2}",
            ),
        ),
        Topic(
            ("Formula 1", "Motorsport"),
            {
                "subject": "the championship",
                "gp": ["Monaco", "Belgian", "Japanese", "Brazilian", "Australian", "Canadian"],
            },
            (
                "{Player} takes pole at the {gp} Grand Prix",
                "{Player} wins {gp} Grand Prix to close gap at the top",
                "Rain chaos at {gp} Grand Prix as {player} claims first win",
            ),
        ),
        Topic(
            ("Cycling", "Tour de France"),
            {"subject": "the race"},
            (
                "{Player} wins mountain stage to take race lead",
                "Crash forces {player} out of the Tour de France",
            ),
        ),
    ),
    headlines=(),
    standfirsts=(
        "{Player} was the standout performer on a day of high drama.",
        "The result leaves plenty to think about before the next round of fixtures.",
        "It was a performance that answered many of the questions asked in recent weeks.",
    ),
    ledes=(
        "{Player} produced a performance of rare composure to settle a tense contest on {day}.",
        "It was a {day} that few who were there will forget.",
        "There was drama from start to finish as {subject} took another twist.",
    ),
    sentences=(
        "It was a performance built on patience and discipline rather than flair.",
        "Conditions were difficult, with rain falling for much of the afternoon.",
        "A crowd of {big} created a raucous atmosphere from the start.",
        "Injuries had disrupted preparations in the build-up.",
        "Questions will now be asked about selection.",
        "The result will do little to quieten critics of the approach this season.",
        "Attention now turns to {day}.",
        "{Player} was later named player of the match.",
        "It was a first victory of its kind for {player} at this level.",
        "{Org} has yet to comment on the incident.",
    ),
    quotes=(
        "We knew it would be hard, but the group never stopped believing.",
        "That is as good as I have played in a long time. I'm just proud.",
        "We have to be honest with ourselves. That was not good enough.",
        "The supporters were incredible today. They carried us through.",
    ),
    subheads=("Turning point", "Selection questions", "The verdict", "Numbers game"),
    list_intro="Key moments:",
    list_items=(
        "{Player}'s early breakthrough",
        "A contentious decision midway through",
        "A late rally led by {player2}",
        "A crowd of {big}, the biggest of the season",
    ),
)

SECTIONS = (WORLD, POLITICS, BUSINESS, TECHNOLOGY, SCIENCE, HEALTH, CULTURE, SPORT)


@dataclass(frozen=True)
class Person:
    """A member of staff: the facts the profile and the bylines are made from."""

    name: str
    job_title: str
    beats: tuple[str, ...]  # Section slugs; empty means every section (photographers).
    role: str  # Usual byline role.
    covers: str
    before: str
    extra: str
    active: bool = True


STAFF = (
    Person(
        "Amara Okafor",
        "Chief political correspondent",
        ("politics",),
        Role.CORRESPONDENT,
        "Westminster and the workings of government",
        "the Harbour Gazette",
        "lives in south London with her partner and two children",
    ),
    Person(
        "James Whitfield",
        "Political editor",
        ("politics",),
        Role.EDITOR,
        "politics and power",
        "Meridian Radio",
        "is a keen but unsuccessful fell runner",
    ),
    Person(
        "Niamh Gallagher",
        "Political reporter",
        ("politics", "health"),
        Role.REPORTER,
        "parliament, the devolved nations and public services",
        "the Westbridge Post",
        "grew up in Derry and now lives in Leeds",
    ),
    Person(
        "Sofía Ramírez",
        "Latin America correspondent",
        ("world",),
        Role.CORRESPONDENT,
        "Latin America from her base in Bogotá",
        "a Madrid news agency",
        "speaks Spanish, Portuguese and passable French",
    ),
    Person(
        "Yasmin Haddad",
        "Middle East correspondent",
        ("world",),
        Role.CORRESPONDENT,
        "the Middle East and north Africa",
        "an Amman-based news site",
        "divides her time between Amman and London",
    ),
    Person(
        "Elena Petrova",
        "Europe correspondent",
        ("world",),
        Role.CORRESPONDENT,
        "European politics and the EU institutions",
        "the Baltic Times Review",
        "is now studying for a doctorate",
        active=False,
    ),
    Person(
        "Daniel Mensah",
        "World affairs editor",
        ("world", "politics"),
        Role.EDITOR,
        "diplomacy and international affairs",
        "the Accra Morning Star",
        "is a lifelong Kingsport Athletic supporter",
    ),
    Person(
        "Priya Raman",
        "Business reporter",
        ("business", "technology"),
        Role.REPORTER,
        "companies, markets and the City",
        "a financial newswire",
        "lives in Bristol and is learning the cello",
    ),
    Person(
        "Tom Ashworth",
        "Economics editor",
        ("business",),
        Role.EDITOR,
        "the economy, the Bank of England and the public finances",
        "the Northern Ledger",
        "writes a weekly newsletter on economic data",
    ),
    Person(
        "Marta Kowalczyk",
        "Consumer affairs correspondent",
        ("business", "health"),
        Role.CORRESPONDENT,
        "prices, bills and consumer rights",
        "a consumer magazine",
        "lives in Manchester with a rescue greyhound",
    ),
    Person(
        "Kenji Watanabe",
        "Technology editor",
        ("technology",),
        Role.EDITOR,
        "big tech, start-ups and the regulation of both",
        "a Tokyo-based tech magazine",
        "builds mechanical keyboards in his spare time",
    ),
    Person(
        "Lucy Zhang",
        "Technology reporter",
        ("technology", "business"),
        Role.REPORTER,
        "artificial intelligence, privacy and online safety",
        "a technology podcast",
        "is an enthusiastic amateur baker",
    ),
    Person(
        "Rafael Costa",
        "Science editor",
        ("science",),
        Role.EDITOR,
        "physics, space and the business of research",
        "a science monthly",
        "trained as an astrophysicist before turning to journalism",
    ),
    Person(
        "Ingrid Halvorsen",
        "Environment correspondent",
        ("science", "world"),
        Role.CORRESPONDENT,
        "climate change, energy and the natural world",
        "Nordic public radio",
        "swims in the sea all year round",
    ),
    Person(
        "Anjali Mehta",
        "Health correspondent",
        ("health",),
        Role.CORRESPONDENT,
        "the NHS, public health and social care",
        "a regional daily in the Midlands",
        "worked as a junior doctor before becoming a journalist",
    ),
    Person(
        "Oluwaseun Adeyemi",
        "Medical editor",
        ("health", "science"),
        Role.EDITOR,
        "medicine, research and the pharmaceutical industry",
        "a medical journal's news desk",
        "lives in Birmingham and coaches a junior football team",
    ),
    Person(
        "Hannah Goldberg",
        "Culture editor",
        ("culture",),
        Role.EDITOR,
        "the arts and the creative industries",
        "a London listings magazine",
        "has seen more than 2,000 plays and remembers most of them",
    ),
    Person(
        "Émile Fournier",
        "Film critic",
        ("culture",),
        Role.WRITER,
        "film and television",
        "a Paris film quarterly",
        "runs a small film club in Hackney",
    ),
    Person(
        "Grace Mwangi",
        "Arts reporter",
        ("culture",),
        Role.REPORTER,
        "music, books and the visual arts",
        "a Nairobi culture magazine",
        "plays bass in a band that rarely rehearses",
    ),
    Person(
        "Rhys Morgan",
        "Chief sports writer",
        ("sport",),
        Role.WRITER,
        "sport in all its forms",
        "a Cardiff evening paper",
        "has covered six Olympic Games and four World Cups",
    ),
    Person(
        "Siobhan O'Connell",
        "Football correspondent",
        ("sport",),
        Role.CORRESPONDENT,
        "men's and women's football",
        "a football magazine",
        "still plays five-a-side every Tuesday",
    ),
    Person(
        "Kwame Asante",
        "Sports reporter",
        ("sport",),
        Role.REPORTER,
        "athletics, cricket and rugby",
        "a sports news agency",
        "has since moved into broadcasting",
        active=False,
    ),
    Person(
        "Lars Eriksen",
        "Photographer",
        (),
        Role.PHOTOGRAPHER,
        "news, sport and portraits",
        "an Oslo picture agency",
        "shoots on film whenever a deadline allows",
    ),
    Person(
        "Aisha Bello",
        "Photographer",
        (),
        Role.PHOTOGRAPHER,
        "news, politics and documentary projects",
        "a Lagos photo collective",
        "teaches photography workshops for young people",
    ),
)

PORTRAIT_COLOURS = [
    (94, 129, 172), (122, 156, 128), (192, 120, 96), (201, 162, 84), (142, 122, 170),
    (72, 140, 144), (108, 118, 132), (184, 118, 136), (160, 128, 96), (128, 132, 84),
    (120, 84, 112), (86, 112, 150),
]  # fmt: skip


# --- Pictures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sky:
    """A time of day: the colours a scene is painted in."""

    phrase: str
    stops: tuple[tuple[float, RGB], ...]
    haze: RGB  # Distant things.
    shadow: RGB  # Near things.
    light: RGB  # Sun or moon.
    lit: bool  # Windows and floodlights on.


SKIES = {
    "dawn": Sky(
        "at dawn",
        ((0, (54, 66, 112)), (0.55, (178, 128, 150)), (1, (246, 196, 160))),
        (176, 138, 156),
        (44, 42, 74),
        (255, 214, 176),
        False,
    ),
    "day": Sky(
        "on a clear day",
        ((0, (84, 134, 190)), (0.65, (158, 192, 224)), (1, (222, 232, 238))),
        (150, 174, 198),
        (48, 66, 92),
        (255, 248, 228),
        False,
    ),
    "dusk": Sky(
        "at dusk",
        ((0, (32, 36, 82)), (0.45, (98, 64, 118)), (0.8, (214, 112, 96)), (1, (244, 172, 110))),
        (122, 78, 108),
        (26, 22, 46),
        (255, 176, 96),
        True,
    ),
    "night": Sky(
        "at night",
        ((0, (8, 14, 36)), (0.7, (22, 36, 76)), (1, (48, 62, 112))),
        (36, 48, 86),
        (8, 10, 24),
        (214, 222, 255),
        True,
    ),
    "overcast": Sky(
        "under a grey sky",
        ((0, (104, 114, 130)), (1, (188, 192, 198))),
        (146, 152, 162),
        (58, 62, 74),
        (236, 236, 236),
        False,
    ),
    "golden": Sky(
        "in golden evening light",
        ((0, (72, 108, 160)), (0.6, (222, 180, 132)), (1, (244, 212, 156))),
        (190, 160, 128),
        (66, 56, 60),
        (255, 226, 170),
        True,
    ),
}

# Background stops and light colours for the abstract (bokeh / circuit) scenes, per section.
TONES = {
    "technology": (
        ((0, (10, 14, 40)), (1, (34, 22, 72))),
        [(80, 200, 255), (160, 110, 255), (60, 120, 255)],
    ),
    "science": (
        ((0, (20, 12, 42)), (1, (64, 32, 92))),
        [(220, 120, 220), (120, 140, 255), (255, 190, 140)],
    ),
    "health": (
        ((0, (22, 82, 96)), (1, (138, 196, 186))),
        [(240, 255, 250), (170, 240, 220), (255, 240, 200)],
    ),
}
DEFAULT_TONE = TONES["technology"]


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def _scale(c: RGB, f: float) -> RGB:
    return tuple(min(255, round(x * f)) for x in c)


def _gradient(size, stops, horizontal=False) -> PILImage.Image:
    """A gradient through ``stops`` ((position 0..1, colour), ...), top to bottom by default."""
    w, h = size
    length = w if horizontal else h
    pixels = []
    for i in range(length):
        t = i / max(length - 1, 1)
        colour = stops[-1][1]
        for (p0, c0), (p1, c1) in pairwise(stops):
            if t <= p1:
                colour = _mix(c0, c1, (t - p0) / (p1 - p0) if p1 > p0 else 0)
                break
        pixels.append(colour)
    strip = PILImage.new("RGB", (length, 1) if horizontal else (1, length))
    strip.putdata(pixels)
    return strip.resize(size, PILImage.Resampling.NEAREST)


def _sky(sky: Sky, horizon: int) -> PILImage.Image:
    """The sky gradient ending at ``horizon``; below it, the horizon colour."""
    img = PILImage.new("RGB", IMAGE_SIZE, sky.stops[-1][1])
    img.paste(_gradient((IMAGE_SIZE[0], horizon), sky.stops), (0, 0))
    return img


def _light(img: PILImage.Image, paint, blur: float, scale: int = 4) -> PILImage.Image:
    """Add soft light: ``paint(draw, k)`` draws on a small dark canvas (coordinates times k),
    which is blurred, enlarged and screened over ``img``. Cheap at any size."""
    w, h = img.size
    small = PILImage.new("RGB", (w // scale, h // scale))
    paint(ImageDraw.Draw(small), 1 / scale)
    small = small.filter(ImageFilter.GaussianBlur(blur))
    return ImageChops.screen(img, small.resize((w, h), PILImage.Resampling.BICUBIC))


def _tint(img: PILImage.Image, colour: RGB, t: float) -> PILImage.Image:
    return PILImage.blend(img, PILImage.new("RGB", img.size, colour), t)


def _box(cx, cy, rx, ry, k=1.0):
    return [(cx - rx) * k, (cy - ry) * k, (cx + rx) * k, (cy + ry) * k]


def _sun(img, sky: Sky, x: int, y: int, radius: int) -> PILImage.Image:
    def paint(draw, k):
        draw.ellipse(_box(x, y, radius * 6, radius * 4, k), fill=_scale(sky.light, 0.22))
        draw.ellipse(_box(x, y, radius * 2.5, radius * 2.5, k), fill=_scale(sky.light, 0.45))

    img = _light(img, paint, blur=18)
    ImageDraw.Draw(img).ellipse(_box(x, y, radius, radius), fill=_mix(sky.light, (255,) * 3, 0.3))
    return img


def paint_skyline(rng: random.Random, sky: Sky, tone: str):
    w, h = IMAGE_SIZE
    horizon = rng.randint(560, 650)
    img = _sky(sky, horizon)
    if sky.phrase != "at night":
        img = _sun(img, sky, rng.randint(250, 1350), horizon - rng.randint(40, 200), 46)
    draw = ImageDraw.Draw(img)
    windows = _mix(sky.shadow, (255, 206, 130), 0.75)
    for layer in range(3):
        colour = _mix(sky.haze, sky.shadow, 0.3 + 0.35 * layer)
        x = -rng.randint(0, 80)
        while x < w:
            bw = rng.randint(50, 150) - 10 * layer
            top = horizon - int(rng.triangular(50, 380, 150) * (1.15 - 0.25 * layer))
            draw.rectangle([x, top, x + bw, horizon], fill=colour)
            roof = rng.random()
            if roof < 0.2:
                mast = x + bw // 2
                draw.rectangle([mast - 2, top - rng.randint(25, 70), mast + 2, top], fill=colour)
            elif roof < 0.4:
                inset = bw // 5
                draw.rectangle([x + inset, top - rng.randint(15, 40), x + bw - inset, top],
                               fill=colour)  # fmt: skip
            elif roof < 0.5:
                draw.polygon([(x, top), (x + bw, top), (x + bw, top - bw // 2)], fill=colour)
            if sky.lit and layer == 2:
                for wy in range(top + 12, horizon - 12, 18):
                    for wx in range(x + 8, x + bw - 10, 14):
                        if rng.random() < 0.22:
                            draw.rectangle([wx, wy, wx + 5, wy + 8], fill=windows)
            x += bw + rng.randint(-8, 18)
    # The river: the skyline reflected, softened and darkened, with a few ripples.
    depth = h - horizon
    mirror = img.crop((0, horizon - depth, w, horizon)).transpose(
        PILImage.Transpose.FLIP_TOP_BOTTOM
    )
    mirror = mirror.resize((w // 4, depth // 4)).filter(ImageFilter.GaussianBlur(1.2))
    mirror = mirror.resize((w, depth), PILImage.Resampling.BICUBIC)
    img.paste(_tint(mirror, sky.shadow, 0.45), (0, horizon))
    draw.rectangle([0, horizon - 2, w, horizon + 5], fill=sky.shadow)
    for _ in range(40):
        y, x0 = rng.randint(horizon + 12, h - 4), rng.randint(-100, w)
        colour = _mix(img.getpixel((max(0, min(x0, w - 1)), y)), (255, 255, 255), 0.12)
        draw.line([(x0, y), (x0 + rng.randint(40, 260), y)], fill=colour, width=2)
    return (
        img,
        f"Abstract illustration of a city skyline {sky.phrase}, reflected in a river",
        rng.choice(
            [
                f"The city skyline {sky.phrase}.",
                f"Office towers by the river {sky.phrase}.",
                f"A view across the water {sky.phrase}.",
            ]
        ),
    )


def _ridge(rng, base: int, amp: float, step: int = 16) -> list[tuple[int, int]]:
    w, _h = IMAGE_SIZE
    waves = [(rng.uniform(0.002, 0.006), rng.uniform(0, 6.3), 0.6),
             (rng.uniform(0.008, 0.015), rng.uniform(0, 6.3), 0.3),
             (rng.uniform(0.02, 0.04), rng.uniform(0, 6.3), 0.1)]  # fmt: skip
    points = []
    for x in range(0, w + step, step):
        lift = sum(weight * (0.5 + 0.5 * math.sin(x * f + p)) for f, p, weight in waves)
        points.append((x, round(base - amp * lift)))
    return points


def paint_landscape(rng: random.Random, sky: Sky, tone: str):
    w, h = IMAGE_SIZE
    horizon = rng.randint(430, 520)
    img = _sky(sky, horizon + 200)
    img = _sun(img, sky, rng.randint(200, 1400), horizon - rng.randint(60, 220), 40)
    draw = ImageDraw.Draw(img)
    ground = _mix(sky.shadow, (46, 78, 54), 0.45)
    layers = 4
    for i in range(layers):
        colour = _mix(sky.haze, ground, (i + 1) / layers)
        ridge = _ridge(rng, horizon + 95 * i, 150 - 22 * i)
        draw.polygon([*ridge, (w, h), (0, h)], fill=colour)
        if i == layers - 1:  # A line of trees along the nearest ridge.
            dark = _scale(colour, 0.75)
            for x, y in ridge[:: rng.randint(2, 4)]:
                if rng.random() < 0.5:
                    size = rng.randint(14, 30)
                    draw.polygon([(x - size // 2, y + 4), (x + size // 2, y + 4),
                                  (x, y - size * 2)], fill=dark)  # fmt: skip

    def mist(draw, k):
        for i in range(layers - 1):
            y = horizon + 95 * i + 10
            draw.rectangle([0, (y - 14) * k, w * k, (y + 14) * k], fill=_scale(sky.haze, 0.25))

    img = _light(img, mist, blur=6)
    return (
        img,
        f"Abstract illustration of layered hills and a distant sun {sky.phrase}",
        rng.choice([f"Countryside {sky.phrase}.", f"Hills seen from the valley {sky.phrase}."]),
    )


def paint_civic(rng: random.Random, sky: Sky, tone: str):
    w, h = IMAGE_SIZE
    horizon = rng.randint(690, 740)
    img = _sky(sky, horizon)
    img = _sun(img, sky, rng.choice([rng.randint(150, 450), rng.randint(1150, 1450)]),
               horizon - rng.randint(150, 330), 38)  # fmt: skip
    draw = ImageDraw.Draw(img)
    stone = _mix(sky.shadow, sky.haze, 0.3)
    inner = _scale(stone, 0.7)
    # Trees behind, then the building: wings, dome, portico, columns, steps.
    for x in range(-40, w + 40, 70):
        r = rng.randint(40, 75)
        draw.ellipse(_box(x, horizon - r // 2, r, r), fill=_mix(stone, sky.haze, 0.25))
    cx, half = rng.randint(650, 950), rng.randint(280, 360)
    podium = horizon - 40
    draw.rectangle([cx - half - 220, podium - 170, cx + half + 220, horizon], fill=stone)
    for wx in range(cx - half - 200, cx + half + 200, 36):
        if not cx - half - 10 < wx < cx + half + 10:
            for wy in (podium - 140, podium - 80):
                draw.rectangle([wx, wy, wx + 14, wy + 34], fill=inner)
    drum_top = podium - 360
    draw.rectangle([cx - 130, drum_top, cx + 130, podium - 250], fill=stone)
    draw.pieslice(_box(cx, drum_top, 150, 150), 180, 360, fill=stone)
    draw.rectangle([cx - 14, drum_top - 190, cx + 14, drum_top - 145], fill=stone)
    draw.ellipse(_box(cx, drum_top - 190, 16, 16), fill=stone)
    draw.line([(cx, drum_top - 206), (cx, drum_top - 290)], fill=stone, width=4)
    flag = rng.choice([(150, 60, 64), (48, 76, 130), (60, 110, 80)])
    draw.rectangle([cx + 2, drum_top - 290, cx + 70, drum_top - 250], fill=_mix(flag, stone, 0.3))
    entablature = podium - 250
    draw.rectangle([cx - half, entablature, cx + half, podium], fill=inner)
    draw.polygon([(cx - half - 10, entablature), (cx + half + 10, entablature),
                  (cx, entablature - 90)], fill=stone)  # fmt: skip
    draw.rectangle([cx - half - 10, entablature, cx + half + 10, entablature + 28], fill=stone)
    columns = 8
    for i in range(columns):
        x = cx - half + 20 + i * (2 * half - 60) / (columns - 1)
        draw.rectangle([x, entablature + 28, x + 22, podium], fill=stone)
    for step in range(4):
        y = podium + step * 10
        draw.rectangle([cx - half - 30 - step * 14, y, cx + half + 30 + step * 14, y + 10],
                       fill=_mix(stone, sky.shadow, 0.2 * step))  # fmt: skip
    draw.rectangle([0, horizon, w, h], fill=sky.shadow)
    ground = _gradient((w, h - horizon), ((0, _mix(sky.shadow, sky.haze, 0.25)), (1, sky.shadow)))
    img.paste(ground, (0, horizon))
    return (
        img,
        f"Abstract illustration of a domed government building with columns {sky.phrase}",
        rng.choice(
            [f"Government buildings {sky.phrase}.", f"The seat of government {sky.phrase}."]
        ),
    )


def paint_chart(rng: random.Random, sky: Sky, tone: str):
    w, h = IMAGE_SIZE
    top, bottom = rng.choice([((12, 22, 44), (18, 48, 64)), ((20, 20, 34), (44, 32, 60)),
                              ((14, 30, 40), (20, 60, 58))])  # fmt: skip
    img = _gradient(IMAGE_SIZE, ((0, top), (1, bottom)))
    draw = ImageDraw.Draw(img)
    grid = _mix(bottom, (255, 255, 255), 0.08)
    for x in range(0, w, 100):
        draw.line([(x, 0), (x, h)], fill=grid, width=1)
    for y in range(50, h, 100):
        draw.line([(0, y), (w, y)], fill=grid, width=1)
    rising = rng.random() < 0.6
    accent = rng.choice([(96, 220, 170), (110, 190, 255), (255, 190, 110)])
    if not rising:
        accent = rng.choice([(255, 120, 110), (255, 170, 100)])
    value, points = 0.0, []
    for i in range(42):
        value += rng.gauss(0.35 if rising else -0.35, 1.0)
        points.append((70 + i * (w - 140) / 41, value))
    low, high = min(v for _x, v in points), max(v for _x, v in points)
    line = [(x, 720 - (v - low) / (high - low or 1) * 480) for x, v in points]
    overlay = PILImage.new("RGBA", IMAGE_SIZE, (0, 0, 0, 0))
    over = ImageDraw.Draw(overlay)
    over.polygon([*line, (line[-1][0], 800), (line[0][0], 800)], fill=(*accent, 48))
    for x, _y in line[::2]:
        bar = rng.randint(20, 90)
        over.rectangle([x - 8, 860 - bar, x + 8, 860], fill=(*accent, 60))
    img = PILImage.alpha_composite(img.convert("RGBA"), overlay).convert("RGB")

    def glow(draw, k):
        draw.line([(x * k, y * k) for x, y in line], fill=_scale(accent, 0.8), width=3)

    img = _light(img, glow, blur=3)
    draw = ImageDraw.Draw(img)
    draw.line(line, fill=accent, width=5, joint="curve")
    draw.ellipse(_box(*line[-1], 10, 10), fill=_mix(accent, (255, 255, 255), 0.5))
    trend = "rising" if rising else "falling"
    return (
        img,
        f"Abstract illustration of a {trend} market chart on a dark trading screen",
        rng.choice(["Market data on a trading screen.", "Share prices through the day."]),
    )


def _bokeh_lights(img, rng, colours, count, radii, blur, strength):
    w, h = IMAGE_SIZE
    spots = [(rng.randint(0, w), rng.randint(0, h), rng.randint(*radii), rng.choice(colours),
              rng.uniform(*strength)) for _ in range(count)]  # fmt: skip

    def paint(draw, k):
        for x, y, r, colour, f in spots:
            draw.ellipse(_box(x, y, r, r, k), fill=_scale(colour, f))

    return _light(img, paint, blur=blur)


def paint_bokeh(rng: random.Random, sky: Sky, tone: str):
    stops, colours = TONES.get(tone, DEFAULT_TONE)
    img = _gradient(IMAGE_SIZE, stops)
    img = PILImage.blend(img, _gradient(IMAGE_SIZE, stops[::-1], horizontal=True), 0.35)
    img = _bokeh_lights(img, rng, colours, 14, (90, 200), 10, (0.12, 0.3))
    img = _bokeh_lights(img, rng, colours, 30, (24, 80), 2.5, (0.2, 0.55))
    return (
        img,
        "Abstract illustration of soft, out-of-focus circles of light",
        rng.choice(["Lights, out of focus.", "A soft-focus abstract image."]),
    )


def paint_circuit(rng: random.Random, sky: Sky, tone: str):
    w, h = IMAGE_SIZE
    stops, colours = TONES.get(tone, DEFAULT_TONE)
    horizon = rng.randint(380, 460)
    img = _gradient(IMAGE_SIZE, stops)
    accent = rng.choice(colours)
    vx = rng.randint(500, 1100)

    def grid(draw, k):
        for i in range(-24, 25):
            draw.line([(vx * k, horizon * k), ((vx + i * 140) * k, h * k)],
                      fill=_scale(accent, 0.45), width=1)  # fmt: skip
        y, gap = horizon + 6, 6.0
        while y < h:
            draw.line([(0, y * k), (w * k, y * k)], fill=_scale(accent, 0.4), width=1)
            gap *= 1.28
            y += gap
        draw.ellipse(_box(vx, horizon, 500, 60, k), fill=_scale(accent, 0.5))

    img = _light(img, grid, blur=0.6, scale=2)
    img = _bokeh_lights(img, rng, colours, 22, (8, 40), 1.5, (0.25, 0.6))
    return (
        img,
        "Abstract illustration of a glowing digital grid stretching to the horizon",
        rng.choice(["An abstract digital landscape.", "Data, visualised."]),
    )


def paint_stage(rng: random.Random, sky: Sky, tone: str):
    w, h = IMAGE_SIZE
    base = rng.choice([(60, 20, 44), (28, 22, 64), (54, 30, 22)])
    img = _gradient(IMAGE_SIZE, ((0, _scale(base, 0.4)), (0.7, base), (1, _scale(base, 0.3))))
    floor = 650
    colours = rng.sample([(255, 190, 110), (230, 110, 170), (120, 170, 255), (255, 236, 200)], 3)
    beams = [(rng.randint(100, 1500), rng.randint(200, 1400), rng.choice(colours))
             for _ in range(rng.randint(3, 5))]  # fmt: skip

    def spots(draw, k):
        for top_x, floor_x, colour in beams:
            draw.polygon(
                [
                    (top_x * k, -10 * k),
                    ((floor_x - 170) * k, floor * k),
                    ((floor_x + 170) * k, floor * k),
                ],
                fill=_scale(colour, 0.3),
            )
            draw.ellipse(_box(floor_x, floor, 200, 40, k), fill=_scale(colour, 0.6))

    img = _light(img, spots, blur=7)
    draw = ImageDraw.Draw(img)
    crowd = (12, 9, 14)
    for row, (y, step) in enumerate(((h - 70, 58), (h + 10, 70))):
        x = -30 + row * 25
        while x < w + 60:
            r = rng.randint(20, 26) + row * 4
            dy = rng.randint(-8, 8)
            draw.ellipse(_box(x, y - 90 + dy, r, r * 1.2), fill=_scale(crowd, 1.2 - 0.4 * row))
            draw.ellipse(
                _box(x, y + 10 + dy, r * 2.6, r * 2.4), fill=_scale(crowd, 1.2 - 0.4 * row)
            )
            x += step + rng.randint(-8, 8)
    return (
        img,
        "Abstract illustration of coloured spotlights over a stage and a silhouetted audience",
        rng.choice(["The stage before the performance.", "Lights up, moments before the show."]),
    )


def _stadium(rng, sky: Sky):
    """Sky, a stand with a soft-focus crowd and floodlights; returns (image, pitch top)."""
    w, h = IMAGE_SIZE
    stand_top, pitch_top = rng.randint(230, 270), rng.randint(400, 430)
    img = _sky(sky, stand_top + 40)
    crowd = PILImage.new("RGB", (w // 8, (pitch_top - stand_top) // 8))
    palette = [
        _mix(sky.shadow, c, 0.22)
        for c in [(200, 60, 60), (240, 240, 240), (60, 90, 200), (230, 200, 80), (40, 40, 40)]
    ]
    crowd.putdata([rng.choice(palette) for _ in range(crowd.width * crowd.height)])
    crowd = crowd.filter(ImageFilter.GaussianBlur(0.7))
    crowd = crowd.resize((w, pitch_top - stand_top), PILImage.Resampling.BICUBIC)
    img.paste(crowd, (0, stand_top))
    draw = ImageDraw.Draw(img)
    for y in range(stand_top + 12, pitch_top, 16):  # Rows of seats.
        draw.line([(0, y), (w, y)], fill=_mix(sky.shadow, palette[0], 0.3), width=2)
    draw.rectangle([0, stand_top - 16, w, stand_top], fill=sky.shadow)  # The roof edge.
    masts = [rng.randint(120, 300), rng.randint(1300, 1480)]
    for x in masts:
        draw.line([(x, stand_top), (x, 60)], fill=sky.shadow, width=8)
        draw.rectangle([x - 50, 40, x + 50, 70], fill=_mix(sky.shadow, (255, 255, 255), 0.5))
    if sky.lit:

        def floodlights(draw, k):
            for x in masts:
                draw.ellipse(_box(x, 55, 160, 110, k), fill=(120, 120, 110))
                draw.ellipse(_box(x, 55, 60, 30, k), fill=(255, 255, 240))

        img = _light(img, floodlights, blur=8)
    return img, pitch_top


def paint_pitch(rng: random.Random, sky: Sky, tone: str):
    w, h = IMAGE_SIZE
    img, top = _stadium(rng, sky)
    draw = ImageDraw.Draw(img)
    greens = [_mix((56, 122, 62), sky.haze, 0.15), _mix((68, 138, 72), sky.haze, 0.15)]
    stripes, centre = 12, w // 2
    for i in range(-stripes, stripes):
        far = [centre + i * 110, centre + (i + 1) * 110]
        near = [centre + i * 190, centre + (i + 1) * 190]
        draw.polygon([(far[0], top), (far[1], top), (near[1], h), (near[0], h)],
                     fill=greens[i % 2])  # fmt: skip
    white = _mix((240, 240, 236), sky.haze, 0.15)
    draw.line([(0, top + 22), (w, top + 22)], fill=white, width=4)
    draw.line([(centre, top + 22), (centre, h)], fill=white, width=4)
    draw.ellipse(_box(centre, 640, 260, 100), outline=white, width=4)
    draw.ellipse(_box(centre, 640, 7, 5), fill=white)
    return (
        img,
        f"Abstract illustration of a football stadium and pitch {sky.phrase}",
        rng.choice([f"The stadium {sky.phrase}.", "The pitch before kick-off."]),
    )


def paint_track(rng: random.Random, sky: Sky, tone: str):
    w, h = IMAGE_SIZE
    img, top = _stadium(rng, sky)
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, top, w, h], fill=_mix((64, 132, 70), sky.haze, 0.15))
    # Eight lanes sweeping towards a vanishing point off to the right, just above the grass.
    vx, vy = rng.randint(2300, 2700), top - rng.randint(30, 60)

    def at(bottom_x: float, y: float) -> tuple[float, float]:
        t = (y - vy) / (h - vy)
        return (vx + (bottom_x - vx) * t, y)

    lanes = [rng.randint(-1100, -800) + i * 220 for i in range(9)]
    draw.polygon(
        [at(lanes[0], top), at(lanes[-1], top), at(lanes[-1], h), at(lanes[0], h)],
        fill=_mix((178, 80, 58), sky.haze, 0.12),
    )
    white = _mix((240, 240, 236), sky.haze, 0.1)
    for bottom_x in lanes:
        draw.line([at(bottom_x, top), at(bottom_x, h)], fill=white, width=4)
    if rng.random() < 0.5:
        img = img.transpose(PILImage.Transpose.FLIP_LEFT_RIGHT)
    return (
        img,
        f"Abstract illustration of an athletics track in an empty stadium {sky.phrase}",
        rng.choice(["The track before the final.", f"An athletics stadium {sky.phrase}."]),
    )


def paint_night_sky(rng: random.Random, sky: Sky, tone: str):
    w, h = IMAGE_SIZE
    horizon = rng.randint(700, 760)
    img = _sky(SKIES["night"], horizon)
    blobs = [
        (
            rng.randint(0, w),
            rng.randint(0, horizon),
            rng.randint(180, 420),
            rng.choice([(90, 50, 130), (40, 90, 130), (120, 60, 100)]),
        )
        for _ in range(5)
    ]

    def nebula(draw, k):
        for x, y, r, colour in blobs:
            draw.ellipse(_box(x, y, r, r * 0.6, k), fill=_scale(colour, 0.5))

    img = _light(img, nebula, blur=16)
    draw = ImageDraw.Draw(img)
    for _ in range(320):
        x, y, b = rng.randint(0, w), rng.randint(0, horizon), rng.randint(110, 255)
        r = 1 if rng.random() < 0.85 else 2
        draw.ellipse(_box(x, y, r, r), fill=(b, b, min(255, b + 20)))
    px, py, pr = rng.randint(250, 1350), rng.randint(150, 380), rng.randint(70, 130)
    planet = _gradient((2 * pr, 2 * pr), ((0, (236, 214, 190)), (1, (60, 50, 70))), True)
    mask = PILImage.new("L", (2 * pr, 2 * pr))
    ImageDraw.Draw(mask).ellipse([0, 0, 2 * pr - 1, 2 * pr - 1], fill=255)
    img.paste(planet, (px - pr, py - pr), mask)
    ridge = _ridge(rng, horizon + 60, 90)
    land = (8, 10, 22)
    draw.polygon([*ridge, (w, h), (0, h)], fill=land)
    dome_x = rng.randint(300, 1300)
    dome_y = min(y for x, y in ridge if abs(x - dome_x) < 60) + 4
    draw.rectangle([dome_x - 50, dome_y - 40, dome_x + 50, dome_y + 20], fill=land)
    draw.pieslice(_box(dome_x, dome_y - 40, 50, 50), 180, 360, fill=land)
    draw.rectangle([dome_x - 6, dome_y - 88, dome_x + 6, dome_y - 45], fill=(70, 70, 96))
    return (
        img,
        "Abstract illustration of a starry night sky and a planet above an observatory",
        rng.choice(["A clear night over the observatory.", "The night sky, far from city lights."]),
    )


SCENES = {
    "skyline": paint_skyline,
    "landscape": paint_landscape,
    "civic": paint_civic,
    "chart": paint_chart,
    "bokeh": paint_bokeh,
    "circuit": paint_circuit,
    "stage": paint_stage,
    "pitch": paint_pitch,
    "track": paint_track,
    "night_sky": paint_night_sky,
}


def jpeg_bytes(img: PILImage.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue()


def paint_portrait(rng: random.Random, colour: RGB) -> PILImage.Image:
    """A head-and-shoulders silhouette on a soft gradient, drawn at 2x and scaled down."""
    s = PORTRAIT_SIZE * 2
    img = _gradient((s, s), ((0, _mix(colour, (255, 255, 255), 0.15)), (1, _scale(colour, 0.8))))

    def halo(draw, k):
        draw.ellipse(_box(s / 2, s * 0.4, s * 0.35, s * 0.35, k), fill=(40, 40, 40))

    img = _light(img, halo, blur=20)
    draw = ImageDraw.Draw(img)
    figure = _mix(colour, (255, 255, 255), rng.uniform(0.4, 0.5))
    neck = _mix(figure, colour, 0.18)  # A touch darker: the chin's shadow.
    cx = s / 2 + rng.randint(-16, 16)
    head_y = s * 0.42 + rng.randint(-16, 16)
    head_rx, head_ry = rng.randint(196, 222), rng.randint(242, 258)
    shoulders = rng.randint(470, 530)
    draw.ellipse([cx - shoulders, s * 0.7, cx + shoulders, s * 1.6], fill=figure)
    draw.rounded_rectangle([cx - 96, head_y + 140, cx + 96, s * 0.78], radius=48, fill=neck)
    draw.ellipse(_box(cx, head_y, head_rx, head_ry), fill=figure)
    return img.resize((PORTRAIT_SIZE, PORTRAIT_SIZE), PILImage.Resampling.LANCZOS)


# --- Words ------------------------------------------------------------------------------------


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _people(rng: random.Random, count: int) -> list[str]:
    names: list[str] = []
    while len(names) < count:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if name not in names:
            names.append(name)
    return names


def story_context(rng: random.Random, spec: SectionSpec, topic: Topic) -> dict[str, str]:
    """Every slot a template of this section may use, filled once per story (so a story talks
    about the same country, firm and official throughout). ``{Key}`` is the capitalised form."""
    country, country2 = rng.sample(COUNTRY_NAMES, 2)
    official, official2, player, player2 = _people(rng, 4)
    ctx = {key: rng.choice(pool) for key, pool in GLOBAL_POOLS.items()}
    ctx |= {
        "country": country,
        "country2": country2,
        "capital": COUNTRIES[country][0],
        "official": official,
        "official2": official2,
        "player": player,
        "player2": player2,
        "pct": f"{rng.uniform(0.6, 6.8):.1f}",
        "small_pct": f"{rng.uniform(0.1, 1.4):.1f}",
        "big": f"{rng.randint(3, 95) * 1000:,}",
    }
    raw: dict[str, str] = {}
    for source in (spec.pools, topic.slots):
        for key, pool in source.items():
            names = key.split("+")
            if isinstance(pool, str):
                values = [pool]
            elif len(names) > 1:
                values = rng.sample(pool, len(names))
            else:
                values = [rng.choice(pool)]
            raw.update(zip(names, values, strict=True))
    ctx |= raw
    for _ in range(2):  # Slot values may refer to other slots ("{firm}'s chief executive").
        for key in raw:
            ctx[key] = ctx[key].format_map(ctx)
    ctx |= {_cap(key): _cap(value) for key, value in list(ctx.items())}
    return ctx


class Sentences:
    """Sentences for one story, never repeating until all have been used."""

    def __init__(self, rng: random.Random, ctx: dict, first: list[str], rest: list[str]):
        self.rng, self.ctx, self.rest = rng, ctx, rest
        self.queue = list(first) + rng.sample(rest, len(rest))

    def take(self, count: int) -> str:
        picked = []
        for _ in range(count):
            if not self.queue:
                self.queue = self.rng.sample(self.rest, len(self.rest))
            picked.append(self.queue.pop(0).format_map(self.ctx))
        return " ".join(picked)


def _p(text: str) -> str:
    return f"<p>{html.escape(text, quote=False)}</p>"


def story_body(rng: random.Random, spec: SectionSpec, topic: Topic, ctx: dict) -> str:
    """5-10 paragraphs: lede, context, a quote, one or two subheaded parts, perhaps a list and a
    link, and a closing line."""

    def fill(template: str) -> str:
        return template.format_map(ctx)

    sentences = Sentences(rng, ctx, list(topic.facts), list(spec.sentences) + GENERIC_SENTENCES)
    target = rng.randint(5, 10)
    with_list, with_link = rng.random() < 0.4, rng.random() < 0.35
    middle = target - 4 - with_list - with_link  # Paragraphs under the subheadings.
    while middle < 1:
        if with_link:
            with_link = False
        else:
            with_list = False
        middle += 1
    second = rng.randint(1, middle - 2) if middle >= 3 and rng.random() < 0.6 else 0
    subheads = rng.sample(list(spec.subheads) + GENERIC_SUBHEADS, 2)

    blocks = [
        _p(fill(rng.choice(spec.ledes)) + " " + sentences.take(1)),
        _p(sentences.take(rng.randint(2, 3))),
        "<blockquote>" + _p(f"\u201c{fill(rng.choice(spec.quotes))}\u201d") + "</blockquote>",
        _p(fill(rng.choice(ATTRIBUTIONS)) + " " + sentences.take(1)),
        f"<h2>{html.escape(subheads[0])}</h2>",
    ]
    blocks += [_p(sentences.take(rng.randint(2, 3))) for _ in range(middle - second)]
    if with_list:
        items = rng.sample(spec.list_items, rng.randint(3, min(4, len(spec.list_items))))
        blocks.append(_p(spec.list_intro))
        lis = "".join(f"<li>{html.escape(fill(item), quote=False)}</li>" for item in items)
        blocks.append(f"<ul>{lis}</ul>")
    if with_link:
        before, text, after = (fill(part) for part in rng.choice(LINK_SENTENCES))
        link = f'<a href="{rng.choice(LINK_URLS)}">{html.escape(text, quote=False)}</a>'
        extra = sentences.take(1)
        blocks.append(
            f"<p>{html.escape(before, quote=False)}{link}{html.escape(after, quote=False)} "
            f"{html.escape(extra, quote=False)}</p>"
        )
    if second:
        blocks.append(f"<h2>{html.escape(subheads[1])}</h2>")
        blocks += [_p(sentences.take(rng.randint(2, 3))) for _ in range(second)]
    blocks.append(_p(fill(rng.choice(CLOSERS))))
    return "\n".join(blocks)


def story_tags(rng: random.Random, spec: SectionSpec, topic: Topic, headline: str, ctx) -> list:
    """2-5 tag names: the topic's, any the headline implies, then the section's common ones."""
    names = list(topic.tags)
    names += [tag for word, tag in KEYWORD_TAGS.items() if word in headline]
    region = COUNTRIES[ctx["country"]][1]
    if spec is WORLD and region:
        names.append(region)
    names = list(dict.fromkeys(names))[:5]
    wanted = max(rng.choice([2, 2, 3, 3, 3, 4, 4, 5]), len(names))
    pool = [tag for tag in spec.tags if tag not in names]
    while len(names) < wanted and pool:
        tag = rng.choices(pool, [1 / (spec.tags.index(tag) + 1) for tag in pool])[0]
        names.append(tag)
        pool.remove(tag)
    return names


# --- Seeding ----------------------------------------------------------------------------------


@dataclass
class PlannedStory:
    spec: SectionSpec
    kind: str  # "published", "scheduled" or "draft"
    when: datetime | None
    lead: bool = False


@dataclass
class Seeded:
    pk: int
    spec: SectionSpec
    kind: str
    when: datetime | None


class DemoSeeder:
    """Builds the demo site. Each public method creates one kind of thing."""

    def __init__(self, seed: int, story_count: int, log):
        self.seed, self.story_count, self.log = seed, story_count, log
        self.now = timezone.now()
        self.stored_files: list = []
        self.tags: dict[str, Tag] = {}

    def rng(self, purpose: str) -> random.Random:
        """A separate stream per purpose, so e.g. --articles does not change the pictures."""
        return random.Random(f"{self.seed}:{purpose}")

    def store(self, fieldfile, name: str, data: bytes) -> None:
        fieldfile.save(name, ContentFile(data, name=name), save=False)
        self.stored_files.append((fieldfile.storage, fieldfile.name))

    def discard_files(self) -> None:
        """After a rollback, remove the files written so far (the rows are gone)."""
        for storage, name in self.stored_files:
            storage.delete(name)

    def run(self) -> None:
        self.editor = self.editor_account()
        self.sections = self.create_sections()
        self.authors = self.create_authors()
        self.images = self.create_images()
        self.stories = self.create_stories()
        self.add_updates()
        self.add_related_picks()

    def editor_account(self):
        """The account the stories are published by: a superuser nobody can log in as."""
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(
            **{user_model.USERNAME_FIELD: EDITOR_USERNAME},
            defaults={"is_staff": True, "is_superuser": True},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        if not can_publish(user):
            raise CommandError(f"The user {EDITOR_USERNAME!r} exists but may not publish.")
        return user

    def create_sections(self) -> dict[str, Section]:
        sections = {}
        for position, spec in enumerate(SECTIONS):
            sections[spec.slug], _ = Section.objects.get_or_create(
                slug=spec.slug,
                defaults={
                    "name": spec.name,
                    "description": spec.description,
                    "position": (position + 1) * 10,
                },
            )
        self.log(f"Sections: {len(sections)}")
        return sections

    def create_authors(self) -> dict[str, Author]:
        rng = self.rng("authors")
        colours = rng.sample(PORTRAIT_COLOURS, len(PORTRAIT_COLOURS))
        authors = {}
        for index, person in enumerate(STAFF):
            slug = slugify(person.name)
            author = Author.objects.filter(slug=slug).first()
            if author is None:
                author = Author(slug=slug, **self.profile(rng, person, slug))
                portrait = paint_portrait(rng, colours[index % len(colours)])
                self.store(author.photo, f"{slug}.jpg", jpeg_bytes(portrait, 82))
                author.save()
            authors[person.name] = author
        self.log(f"Authors: {len(authors)}")
        return authors

    @staticmethod
    def profile(rng: random.Random, person: Person, slug: str) -> dict:
        first, last = slug.split("-")[0], slug.split("-")[-1]
        short_first = person.name.split()[0]
        title = person.job_title
        if title.split()[0] not in {"Middle", "Latin", "Europe"}:
            title = title[0].lower() + title[1:]
        joined = rng.randint(2009, 2023 if person.active else 2021)
        *others, last_place = rng.sample([capital for capital, _r in COUNTRIES.values()], 3)
        places = f"{', '.join(others)} and {last_place}"
        award = rng.choice([
            "was shortlisted for a national press award in 2021",
            "won a regional press award for investigative reporting",
            "was part of the team that won a national award for coverage of the pandemic",
            "has twice been named specialist journalist of the year at a regional awards",
        ])  # fmt: skip
        if person.active:
            role_line = f"joined {SITE_NAME} in {joined} and is our {title}, covering"
            farewell = (
                "Story ideas and tips are welcome by email. For sensitive information, see "
                f"our guide to contacting {SITE_NAME} securely."
            )
        else:
            role_line = f"was {SITE_NAME}'s {title} from {joined} to {joined + 3}, covering"
            farewell = f"{short_first} no longer writes for {SITE_NAME}."
        bio = [
            f"{short_first} {role_line} {person.covers}. Before that, {short_first} worked at "
            f"{person.before}.",
            f"{short_first} has reported from {places}, among many other places, and {award}.",
            f"{short_first} studied at the University of {rng.choice(GLOBAL_POOLS['uni'])} "
            f"and {person.extra}.",
            farewell,
        ]
        handle = (
            f"{first[0]}{last}".replace("-", "") if rng.random() < 0.5 else slug.replace("-", "")
        )
        links = {
            "website": f"https://example.org/{slug}" if rng.random() < 0.4 else "",
            "x_url": f"https://x.com/{handle}" if rng.random() < 0.6 else "",
            "bluesky_url": (
                f"https://bsky.app/profile/{handle}.bsky.social" if rng.random() < 0.6 else ""
            ),
            "mastodon_url": f"https://mastodon.social/@{handle}" if rng.random() < 0.2 else "",
            "linkedin_url": f"https://www.linkedin.com/in/{slug}" if rng.random() < 0.5 else "",
            "instagram_url": (
                f"https://www.instagram.com/{handle}" if person.role == Role.PHOTOGRAPHER else ""
            ),
        }
        if sum(bool(url) for url in links.values()) < 2:
            links["x_url"] = f"https://x.com/{handle}"
            links["bluesky_url"] = f"https://bsky.app/profile/{handle}.bsky.social"
        return {
            "name": person.name,
            "job_title": person.job_title,
            "short_bio": (
                f"{person.name} {'is' if person.active else 'was'} {SITE_NAME}'s {title}, "
                f"covering {person.covers}."
            ),
            "bio": "\n\n".join(bio),
            "email": f"{first}.{last}@{EMAIL_DOMAIN}",
            "is_active": person.active,
            **links,
        }

    def create_images(self) -> dict[str, list[Image]]:
        rng = self.rng("images")
        images: dict[str, list[Image]] = defaultdict(list)
        for index in range(IMAGE_COUNT):
            spec = SECTIONS[index % len(SECTIONS)]
            scene = spec.scenes[(index // len(SECTIONS)) % len(spec.scenes)]
            sky = SKIES[rng.choice(spec.skies)]
            picture, alt, caption = SCENES[scene](rng, sky, spec.slug)
            image = Image(alt_text=alt, caption=caption, credit=CREDIT, uploaded_by=self.editor)
            name = f"demo-{spec.slug}-{scene.replace('_', '-')}-{index + 1:02d}.jpg"
            self.store(image.file, name, jpeg_bytes(picture, 80))
            image.save()
            images[spec.slug].append(image)
        self.log(f"Images: {IMAGE_COUNT}")
        return images

    def plan(self, rng: random.Random) -> list[PlannedStory]:
        """Which section each story is in and when it appears, oldest first, drafts last."""
        total = self.story_count
        drafts = min(5, total // 4)
        scheduled = min(2, (total - drafts) // 5)
        weights = [spec.weight for spec in SECTIONS]
        local_now = timezone.localtime(self.now)
        times = []
        for _ in range(total - drafts - scheduled):
            days_ago = int(DAYS_OF_ARCHIVE * rng.random() ** 1.8)  # Denser towards today.
            day = local_now.date() - timedelta(days=days_ago)
            when = timezone.make_aware(
                datetime.combine(day, clock_time(rng.randint(6, 22), rng.randint(0, 59)))
            )
            if when > self.now - timedelta(minutes=15):
                when -= timedelta(days=1)
            times.append(when)
        plan = [PlannedStory(rng.choices(SECTIONS, weights)[0], "published", when)
                for when in sorted(times)]  # fmt: skip
        for days, hour in [(1, 7), (3, 18)][:scheduled]:
            day = local_now.date() + timedelta(days=days)
            when = timezone.make_aware(datetime.combine(day, clock_time(hour, 30)))
            plan.append(PlannedStory(rng.choices(SECTIONS, weights)[0], "scheduled", when))
        plan += [PlannedStory(rng.choices(SECTIONS, weights)[0], "draft", None)
                 for _ in range(drafts)]  # fmt: skip
        published = [story for story in plan if story.kind == "published"]
        leads = [story for story in published if story.spec in (WORLD, POLITICS)] or published
        if leads:
            leads[-1].lead = True
        return plan

    def create_stories(self) -> list[Seeded]:
        rng = self.rng("stories")
        by_section: dict[str, list[tuple[Person, Author]]] = defaultdict(list)
        photographers = []
        for person in STAFF:
            author = self.authors[person.name]
            if person.beats:
                for beat in person.beats:
                    by_section[beat].append((person, author))
            else:
                photographers.append((person, author))
        headlines: set[str] = set()
        template_uses: Counter[str] = Counter()
        seeded = []
        for story in self.plan(rng):
            spec = story.spec
            topic = rng.choice(spec.topics)
            for _attempt in range(8):
                ctx = story_context(rng, spec, topic)
                templates = topic.headlines
                if spec.headlines and (not templates or rng.random() < 0.35):
                    templates = spec.headlines
                # Rotate through the least-used templates, so headlines vary.
                fewest = min(template_uses[t] for t in templates)
                template = rng.choice([t for t in templates if template_uses[t] == fewest])
                headline = template.format_map(ctx)[:200]
                if headline not in headlines:
                    break
            template_uses[template] += 1
            headlines.add(headline)
            standfirst = rng.choice(spec.standfirsts).format_map(ctx)
            section_images = self.images.get(spec.slug) or []
            hero = rng.choice(section_images) if section_images and rng.random() < 0.9 else None
            article = Article(
                headline=headline,
                standfirst=standfirst,
                body=story_body(rng, spec, topic, ctx),
                section=self.sections[spec.slug],
                hero_image=hero,
                is_lead=story.lead,
                seo_title=headline[:60] if rng.random() < 0.05 else "",
                seo_description=standfirst.split(". ")[0][:300] if rng.random() < 0.05 else "",
            )
            article.save()
            writers = by_section[spec.slug]
            self.add_bylines(rng, article, story, writers, photographers)
            article.tags.add(*self.tag_objects(story_tags(rng, spec, topic, headline, ctx)))
            if story.kind != "draft":
                publish(article, by=self.editor, at=story.when)
            seeded.append(Seeded(article.pk, spec, story.kind, story.when))
        self.log(f"Stories: {len(seeded)}")
        return seeded

    def add_bylines(self, rng, article, story: PlannedStory, writers, photographers) -> None:
        """1-3 bylines; people who have left appear only on older stories."""
        cutoff = self.now - timedelta(days=45)
        eligible = [
            (person, author)
            for person, author in writers
            if person.active or (story.when is not None and story.when < cutoff)
        ]
        count = rng.choices([1, 2, 3], [70, 22, 8])[0]
        first_person, first = rng.choice(eligible)
        role = first_person.role
        if role == Role.EDITOR:
            role = rng.choice([Role.WRITER, Role.ANALYSIS, Role.WRITER])
        bylines = [Byline(article=article, author=first, role=role, position=0)]
        others = [pair for pair in eligible if pair[1] != first]
        for position in range(1, count):
            if article.hero_image_id and rng.random() < 0.35 and photographers:
                _person, author = rng.choice(photographers)
                role = Role.PHOTOGRAPHER
            elif others:
                _person, author = rng.choice(others)
                role = rng.choice([Role.ADDITIONAL_REPORTING, Role.CONTRIBUTOR, Role.REPORTER])
            else:
                break
            if all(byline.author != author for byline in bylines):
                bylines.append(Byline(article=article, author=author, role=role, position=position))
        Byline.objects.bulk_create(bylines)

    def tag_objects(self, names: list[str]) -> list[Tag]:
        for name in names:
            if name not in self.tags:
                tag = Tag.objects.filter(name__iexact=name).first()
                self.tags[name] = tag or Tag.objects.create(name=name)
        return [self.tags[name] for name in names]

    def live(self) -> list[Seeded]:
        return [s for s in self.stories if s.kind == "published" and s.when <= self.now]

    def add_updates(self) -> None:
        """About one published story in seven was updated a few hours after it went out."""
        rng = self.rng("updates")
        for story in self.live():
            if rng.random() < 0.15:
                updated = min(story.when + timedelta(minutes=rng.randint(60, 480)), self.now)
                Article.objects.filter(pk=story.pk).update(updated_at=updated)

    def add_related_picks(self) -> None:
        """Editors' picks on about 30% of stories: earlier stories of the same section."""
        rng = self.rng("related")
        by_section: dict[str, list[Seeded]] = defaultdict(list)
        for story in self.live():
            by_section[story.spec.slug].append(story)
        picks = []
        for story in self.live():
            if rng.random() >= 0.3:
                continue
            same = [other for other in by_section[story.spec.slug] if other.pk != story.pk]
            recent = [o for o in same if timedelta(0) < story.when - o.when < timedelta(days=45)]
            candidates = recent or same
            chosen = rng.sample(candidates, min(len(candidates), rng.choice([1, 1, 2])))
            picks += [
                RelatedLink(from_article_id=story.pk, to_article_id=other.pk, position=position)
                for position, other in enumerate(chosen)
            ]
        RelatedLink.objects.bulk_create(picks)
        self.log(f"Related picks: {len(picks)}")


class Command(BaseCommand):
    help = (
        "Fill an empty site with demo content: sections, authors with portraits, illustrations, "
        "tags and published, scheduled and draft stories. Does nothing if stories exist."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=7, help="Random seed (default 7).")
        parser.add_argument(
            "--articles", type=int, default=300, help="Number of stories (default 300)."
        )

    def handle(self, *args, seed, articles, verbosity, **options):
        if articles < 0:
            raise CommandError("--articles cannot be negative.")
        if Article.objects.exists():
            self.stdout.write("Demo content already present; nothing to do.")
            return
        started = monotonic()

        def log(message):
            if verbosity >= 2:
                self.stdout.write(f"  {message} ({monotonic() - started:.1f} s)")

        seeder = DemoSeeder(seed, articles, log)
        try:
            with transaction.atomic():
                seeder.run()
                # Reader search (PostgreSQL) finds stories by their search vector, which the
                # workflow and the importers keep; demo rows are written directly.
                for article in Article.objects.all():
                    update_search_vector(article)
        except BaseException:
            seeder.discard_files()
            raise
        if verbosity >= 1:
            self.print_summary(monotonic() - started)

    def print_summary(self, seconds: float) -> None:
        now = timezone.now()
        stories = Article.objects.all()
        drafts = stories.filter(status=Article.Status.NOT_PUBLISHED)
        upcoming = stories.exclude(status=Article.Status.NOT_PUBLISHED).filter(published_at__gt=now)
        authors = Author.objects.all()
        rows = [
            ("Sections", Section.objects.count()),
            ("Authors", f"{authors.count()} ({authors.filter(is_active=False).count()} inactive)"),
            ("Images", Image.objects.count()),
            ("Tags", Tag.objects.count()),
            (
                "Articles",
                f"{stories.count()} ({stories.published().count()} published, "
                f"{upcoming.count()} scheduled, {drafts.count()} draft)",
            ),
            ("Bylines", Byline.objects.count()),
            ("Related picks", RelatedLink.objects.count()),
        ]
        self.stdout.write(self.style.SUCCESS(f"Demo content created in {seconds:.1f} s:"))
        for label, value in rows:
            self.stdout.write(f"  {label:<14} {value}")
