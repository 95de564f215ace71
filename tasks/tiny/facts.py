"""Real public facts as plain data, shared by the tiny-track tasks (no task itself: the track's `tasks` omit it).

- `ELEMENTS`: the first 54 chemical elements, hydrogen to xenon (periods 1-5), as
  (atomic number, symbol, English name, group, period). Groups are numbered 1-18 as IUPAC recommends;
  hydrogen sits in group 1 and helium in group 18, as on the IUPAC periodic table. Names use the IUPAC
  English spellings ("Aluminium", "Sulfur").
- `CAPITALS`: 66 sovereign countries and their capital cities, in plain ASCII spellings ("Bogota",
  "Brasilia", "Reykjavik"). Countries whose capital is disputed or split between cities (Bolivia, South
  Africa, the Netherlands, ...) are left out so that every prompt has exactly one correct city.
- `WORDS`: 150 common English words of 3-7 lowercase ASCII letters, for the string tasks.
"""

from __future__ import annotations

from typing import NamedTuple


class Element(NamedTuple):
    number: int
    symbol: str
    name: str
    group: int
    period: int


ELEMENTS: tuple[Element, ...] = tuple(
    Element(*row)
    for row in [
        (1, "H", "Hydrogen", 1, 1),
        (2, "He", "Helium", 18, 1),
        (3, "Li", "Lithium", 1, 2),
        (4, "Be", "Beryllium", 2, 2),
        (5, "B", "Boron", 13, 2),
        (6, "C", "Carbon", 14, 2),
        (7, "N", "Nitrogen", 15, 2),
        (8, "O", "Oxygen", 16, 2),
        (9, "F", "Fluorine", 17, 2),
        (10, "Ne", "Neon", 18, 2),
        (11, "Na", "Sodium", 1, 3),
        (12, "Mg", "Magnesium", 2, 3),
        (13, "Al", "Aluminium", 13, 3),
        (14, "Si", "Silicon", 14, 3),
        (15, "P", "Phosphorus", 15, 3),
        (16, "S", "Sulfur", 16, 3),
        (17, "Cl", "Chlorine", 17, 3),
        (18, "Ar", "Argon", 18, 3),
        (19, "K", "Potassium", 1, 4),
        (20, "Ca", "Calcium", 2, 4),
        (21, "Sc", "Scandium", 3, 4),
        (22, "Ti", "Titanium", 4, 4),
        (23, "V", "Vanadium", 5, 4),
        (24, "Cr", "Chromium", 6, 4),
        (25, "Mn", "Manganese", 7, 4),
        (26, "Fe", "Iron", 8, 4),
        (27, "Co", "Cobalt", 9, 4),
        (28, "Ni", "Nickel", 10, 4),
        (29, "Cu", "Copper", 11, 4),
        (30, "Zn", "Zinc", 12, 4),
        (31, "Ga", "Gallium", 13, 4),
        (32, "Ge", "Germanium", 14, 4),
        (33, "As", "Arsenic", 15, 4),
        (34, "Se", "Selenium", 16, 4),
        (35, "Br", "Bromine", 17, 4),
        (36, "Kr", "Krypton", 18, 4),
        (37, "Rb", "Rubidium", 1, 5),
        (38, "Sr", "Strontium", 2, 5),
        (39, "Y", "Yttrium", 3, 5),
        (40, "Zr", "Zirconium", 4, 5),
        (41, "Nb", "Niobium", 5, 5),
        (42, "Mo", "Molybdenum", 6, 5),
        (43, "Tc", "Technetium", 7, 5),
        (44, "Ru", "Ruthenium", 8, 5),
        (45, "Rh", "Rhodium", 9, 5),
        (46, "Pd", "Palladium", 10, 5),
        (47, "Ag", "Silver", 11, 5),
        (48, "Cd", "Cadmium", 12, 5),
        (49, "In", "Indium", 13, 5),
        (50, "Sn", "Tin", 14, 5),
        (51, "Sb", "Antimony", 15, 5),
        (52, "Te", "Tellurium", 16, 5),
        (53, "I", "Iodine", 17, 5),
        (54, "Xe", "Xenon", 18, 5),
    ]
)

CAPITALS: dict[str, str] = {
    # Europe
    "Albania": "Tirana",
    "Austria": "Vienna",
    "Belgium": "Brussels",
    "Bulgaria": "Sofia",
    "Croatia": "Zagreb",
    "Denmark": "Copenhagen",
    "Estonia": "Tallinn",
    "Finland": "Helsinki",
    "France": "Paris",
    "Germany": "Berlin",
    "Greece": "Athens",
    "Hungary": "Budapest",
    "Iceland": "Reykjavik",
    "Ireland": "Dublin",
    "Italy": "Rome",
    "Latvia": "Riga",
    "Lithuania": "Vilnius",
    "Norway": "Oslo",
    "Poland": "Warsaw",
    "Portugal": "Lisbon",
    "Romania": "Bucharest",
    "Russia": "Moscow",
    "Serbia": "Belgrade",
    "Slovakia": "Bratislava",
    "Slovenia": "Ljubljana",
    "Spain": "Madrid",
    "Sweden": "Stockholm",
    "Ukraine": "Kyiv",
    "United Kingdom": "London",
    # Asia
    "Armenia": "Yerevan",
    "Cambodia": "Phnom Penh",
    "China": "Beijing",
    "Georgia": "Tbilisi",
    "India": "New Delhi",
    "Iran": "Tehran",
    "Iraq": "Baghdad",
    "Japan": "Tokyo",
    "Jordan": "Amman",
    "Laos": "Vientiane",
    "Lebanon": "Beirut",
    "Mongolia": "Ulaanbaatar",
    "Nepal": "Kathmandu",
    "Pakistan": "Islamabad",
    "Qatar": "Doha",
    "Saudi Arabia": "Riyadh",
    "South Korea": "Seoul",
    "Thailand": "Bangkok",
    "Turkey": "Ankara",
    "Vietnam": "Hanoi",
    # Africa
    "Egypt": "Cairo",
    "Ethiopia": "Addis Ababa",
    "Ghana": "Accra",
    "Kenya": "Nairobi",
    "Morocco": "Rabat",
    "Nigeria": "Abuja",
    "Senegal": "Dakar",
    # Americas and Oceania
    "Argentina": "Buenos Aires",
    "Australia": "Canberra",
    "Brazil": "Brasilia",
    "Canada": "Ottawa",
    "Chile": "Santiago",
    "Colombia": "Bogota",
    "Cuba": "Havana",
    "Mexico": "Mexico City",
    "New Zealand": "Wellington",
    "Peru": "Lima",
}

WORDS: tuple[str, ...] = (
    "able", "acid", "actor", "adult", "after", "again", "agent", "air", "alarm", "album",
    "animal", "answer", "apple", "arm", "army", "art", "autumn", "baby", "bag", "ball",
    "banana", "band", "bank", "basket", "beach", "bean", "bear", "bed", "bell", "bird",
    "black", "blue", "boat", "body", "bone", "book", "bottle", "bread", "bridge", "brown",
    "butter", "cake", "camera", "candle", "car", "carpet", "cat", "chair", "cheese", "cherry",
    "chicken", "circle", "city", "cloud", "coffee", "coin", "corn", "cotton", "cow", "cup",
    "dance", "desk", "dinner", "doctor", "dog", "door", "dragon", "dream", "drum", "duck",
    "eagle", "earth", "egg", "engine", "farm", "field", "finger", "fire", "fish", "flag",
    "flower", "forest", "fox", "friend", "garden", "ghost", "gift", "glass", "gold", "grape",
    "green", "guitar", "hammer", "hand", "hat", "heart", "horse", "house", "island", "jacket",
    "jungle", "kettle", "king", "kitchen", "ladder", "lamp", "lemon", "letter", "lion", "magnet",
    "market", "milk", "monkey", "moon", "mother", "music", "nest", "night", "ocean", "orange",
    "paper", "pencil", "piano", "pillow", "planet", "pocket", "queen", "rabbit", "rain", "river",
    "robot", "rocket", "salt", "school", "sheep", "silver", "snake", "spoon", "star", "stone",
    "sugar", "summer", "table", "tiger", "train", "tree", "turtle", "violin", "window", "winter",
)  # fmt: skip
