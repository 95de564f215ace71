"""`razorbench list methods` reads the method registrations from source; they must equal the imported registry."""

from __future__ import annotations

from razorbench.api.method_index import _literal_registrations, method_infos
from razorbench.api.registry import METHODS


def test_the_source_reading_equals_the_imported_registry():
    imported = [{"name": e.name, **e.info} for e in METHODS.entries()]
    assert method_infos() == imported
    assert {"sft", "rl", "reinforce", "simpo", "dpo", "dpo-nll", "oracle-sft"} <= {i["name"] for i in imported}


def test_a_registration_that_is_not_literal_is_left_to_the_import():
    literal = '@register_method("m", on_policy=True, uses_negatives=False, data="d")\nclass M: ...\n'
    assert _literal_registrations(literal) == [{"on_policy": True, "uses_negatives": False, "data": "d", "name": "m"}]
    computed = 'NAME = "m"\n@register_method(NAME, on_policy=True, uses_negatives=False)\nclass M: ...\n'
    assert _literal_registrations(computed) is None
