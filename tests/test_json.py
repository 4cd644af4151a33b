"""The orjson provider (jobs/http/json.py) writes the bytes the standard library would."""
import json

import pytest

VALUES = [
    {"name": "Jöb \u2028 \x1f \"q\" \\", "goalQuantity": 75, "percentComplete": 33.33,
     "jiraLabels": ["Q1-2024", "rush"], "b": True, "n": None, "z": 1, "a": 2},
    [1, 2.5, 0.01, 214748364700.5, 150, "\ud7ff\ue000\U0001f600"],
    {"big": 2**70},
]


@pytest.mark.parametrize("value", VALUES)
def test_responses_are_byte_for_byte_the_standard_library_s(app, value):
    expected = json.dumps(value, separators=(",", ":"), ensure_ascii=False) + "\n"
    with app.app_context():
        assert app.json.response(value).get_data(as_text=True) == expected
        assert app.json.dumps(value) == expected[:-1]
