"""Controlled vocabularies that tag items, modules and profiles.

Sources: docs/sources.md, the course's source list (SAMHSA 2011 working definition of
recovery; SAMHSA 2015 core competencies for peer workers; IC&RC Peer Recovery domains).
"""

from __future__ import annotations

from typing import Literal, get_args

Competency = Literal["C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "C10", "C11", "C12"]

COMPETENCIES: dict[str, str] = {
    "C1": "Engages peers in collaborative and caring relationships",
    "C2": "Provides support",
    "C3": "Shares lived experiences of recovery",
    "C4": "Personalizes peer support",
    "C5": "Supports recovery planning",
    "C6": "Links to resources, services, and supports",
    "C7": "Provides information about skills related to health, wellness, and recovery",
    "C8": "Helps peers to manage crises",
    "C9": "Values communication",
    "C10": "Supports collaboration and teamwork",
    "C11": "Promotes leadership and advocacy",
    "C12": "Promotes growth and development",
}

Domain = Literal["advocacy", "mentoring-education", "recovery-wellness", "ethical-responsibility"]

# IC&RC Peer Recovery training hours by domain (46 h in all) [confirmed].
DOMAINS: dict[str, str] = {
    "advocacy": "Advocacy",
    "mentoring-education": "Mentoring/Education",
    "recovery-wellness": "Recovery/Wellness Support",
    "ethical-responsibility": "Ethical Responsibility",
}
ICRC_DOMAIN_HOURS: dict[str, int] = {
    "advocacy": 10,
    "mentoring-education": 10,
    "recovery-wellness": 10,
    "ethical-responsibility": 16,
}

Principle = Literal[
    "hope",
    "person-driven",
    "many-pathways",
    "holistic",
    "peers-allies",
    "relationships-networks",
    "culture",
    "trauma",
    "strengths-responsibility",
    "respect",
]

# SAMHSA's ten guiding principles of recovery (2011), in order [confirmed].
PRINCIPLES: dict[str, str] = {
    "hope": "Recovery emerges from hope",
    "person-driven": "Recovery is person-driven",
    "many-pathways": "Recovery occurs via many pathways",
    "holistic": "Recovery is holistic",
    "peers-allies": "Recovery is supported by peers and allies",
    "relationships-networks": "Recovery is supported through relationship and social networks",
    "culture": "Recovery is culturally based and influenced",
    "trauma": "Recovery is supported by addressing trauma",
    "strengths-responsibility": (
        "Recovery involves individual, family and community strengths and responsibility"
    ),
    "respect": "Recovery is based on respect",
}

assert set(COMPETENCIES) == set(get_args(Competency))
assert set(DOMAINS) == set(get_args(Domain))
assert set(PRINCIPLES) == set(get_args(Principle))
