"""The short paths a scan item takes (docs/benchmarks.md, Scans) give what the long ones gave.

`WireSchema.load`'s plan against marshmallow's own `load` on every schema,
a scan item's stored answer (`answered`) against the Response a single
request makes (`responded`), byte for byte, and the idempotency key check.
"""
import importlib
import inspect
import pkgutil
import random
from decimal import Decimal

import pytest
from marshmallow import Schema, ValidationError

import schemas
from jobs.http.idempotency import answered, responded
from schemas.base import WireSchema
from schemas.fields import valid_key
from schemas.moves import AdvanceSchema, ReworkSchema, ScrapSchema
from schemas.query import PageQuerySchema
from schemas.scan import ScanItemSchema
from schemas.serial import SerialDetailSchema

VALUES = [None, "", "x", "  B-1042 ", "advance", "damaged", "suspect", "other", "rework",
          "SN-00001", "2024-01-20T16:45:00.000Z", "2999-01-01T00:00:00.000Z", "\x00",
          Decimal(0), Decimal(1), Decimal(2), Decimal("1.5"), Decimal(-1), Decimal("1e400"),
          True, False, [], ["a"], [{}], {}, {"a": True}, {"name": "A"}, "k" * 256]


def made(cls: type[WireSchema]) -> WireSchema:
    """An instance of `cls` (with `highest=2` when it takes one)."""
    return cls(highest=2) if "highest" in inspect.signature(cls.__init__).parameters else cls()


def planned_schemas() -> list[type[WireSchema]]:
    """Every `WireSchema` of `schemas` whose `load` takes the plan."""
    for module in pkgutil.iter_modules(schemas.__path__):
        importlib.import_module(f"schemas.{module.name}")
    found, classes = [], [WireSchema]
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        if cls.__module__.startswith("schemas.") and made(cls)._load_plan is not None:
            found.append(cls)
    return found


def without_plan(cls: type[WireSchema]) -> Schema:
    """An instance of `cls` whose `load` is marshmallow's own, whatever it loads."""
    schema = made(cls)
    schema.__dict__["_load_plan"] = None
    return schema


def loaded(load, data):
    try:
        return "loaded", load(data)
    except ValidationError as error:
        return "refused", error.messages


@pytest.mark.parametrize("cls", planned_schemas(), ids=lambda cls: cls.__name__)
def test_the_load_plan_loads_as_marshmallow_does(cls):
    schema, chooser = made(cls), random.Random(cls.__name__)
    keys = [field.data_key or name for name, field in schema.load_fields.items()]
    bodies = [{}, {"unknown": 1}] + [
        {key: chooser.choice(VALUES) for key in keys if chooser.random() < 0.7}
        for _ in range(300)]
    for body in bodies:
        assert loaded(schema.load, body) == loaded(without_plan(cls).load, body)


def test_the_scan_item_s_schemas_take_the_plan_and_hooks_do_not():
    for schema in (ScanItemSchema(), AdvanceSchema(), ScrapSchema(), ReworkSchema(highest=3)):
        assert schema._load_plan is not None
    assert PageQuerySchema()._load_plan is None


def test_an_item_s_stored_answer_is_the_single_request_s(app):
    dumped = {"id": "SN-00001", "name": "Entgraten ☃ \U0001F600", "big": 2 ** 70,
              "steps": [{"stepId": "step_x", "visits": 0}], "ratio": 0.25}
    with app.test_request_context("/api/scans", method="POST"):
        for headers in ({}, {"Location": "/api/x", "ETag": '"7"'}, {"etag": '"8"'}):
            returned = (dumped, 201, headers)
            assert answered(returned) == (dumped, responded(returned)[1])


def test_an_item_s_answer_replays_to_a_single_request_byte_for_byte(client, path,
                                                                    make_serials):
    serial_id = make_serials(path)[0]["id"]
    items = {"scans": [{"key": "item-1", "serialId": serial_id, "action": "advance",
                        "operator": "B-1"}]}
    assert client.post("/api/scans", json=items).json["results"][0]["outcome"] == "applied"
    replay = client.post(f"/api/serials/{serial_id}/advance", json={"operator": "B-1"},
                         headers={"Idempotency-Key": "item-1"})
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.data == client.get(f"/api/serials/{serial_id}").data


@pytest.mark.parametrize("key,valid", [
    ("a", True), ("!~", True), ("k" * 255, True), ("", False), ("k" * 256, False),
    (" ", False), ("a b", False), ("a\n", False), ("\x7f", False), ("é", False), (7, False),
    (None, False)])
def test_a_key_is_1_to_255_visible_ascii_characters(key, valid):
    assert valid_key(key) is valid


@pytest.mark.parametrize("steps", [
    [{"step_id": "step_a", "name": "A", "state": "done", "visits": 1},
     {"step_id": "step_b", "name": "B", "state": "pending", "visits": 0}],
    [], None, [None, {"step_id": "step_a", "name": "A", "state": "done", "visits": 1}],
    ({"step_id": "step_a", "name": "A", "state": "done", "visits": 1},)])
def test_a_list_of_rows_dumps_at_once_as_each_row_dumps(steps):
    row = {"id": "SN-00001", "job_id": "job_x", "path_id": "path_x", "current_step_index": 1,
           "status": "in_progress", "rework_count": 0, "created_at": 0, "updated_at": 1,
           "steps": steps}
    schema = SerialDetailSchema()
    assert schema.dump_rows([row]) == [Schema.dump(schema, row)]
