"""The floor's real day (docs/api.md, The floor's real day): step states, moves, operator.

- `serial` is rebuilt (one statement copies every row) with the new columns
  `current_step_id` (the step's id, derived from the path's steps; NULL once
  completed), `rework_count` and `hold_count` (0 for every old serial), the
  hold fields (NULL), and without its foreign keys to `job` and `path`, so
  that voided serials do not keep a job or path from being deleted (a
  rebuild: SQLite cannot drop a foreign key in place). Its progress index
  serial(path_id, status) becomes serial(path_id, status, current_step_index)
  and a partial index serves `reworked` and first-pass yield.
- `serial_step` holds only the step states that differ from the plan, so
  old serials need no rows: they read back exactly as before.
- `serial_move` holds each standing move's "before" image, for Undo. The
  moves recorded before this release (`serial.advanced`, `.completed`,
  `.scrapped`: one step forward on the plan, or a scrap) get theirs from
  their events, so they stand (a moved serial is not voided) and can be
  undone like any other.
- `event.operator`: the badge at the station (NULL for old events).

The models are frozen copies; later steps change these tables by migration.
"""
import json

from peewee import (
    BigIntegerField,
    CharField,
    CompositeKey,
    IntegerField,
    Model,
    PostgresqlDatabase,
    TextField,
)

COPY = """
INSERT INTO "serial_rebuilt" ("id", "number", "job_id", "path_id", "current_step_index",
    "current_step_id", "status", "rework_count", "hold_count", "scrap_reason", "scrap_note",
    "created_at", "updated_at")
SELECT s."id", s."number", s."job_id", s."path_id", s."current_step_index",
    (SELECT p."id" FROM "process_step" p
     WHERE p."path_id" = s."path_id" AND p."order" = s."current_step_index"),
    s."status", 0, 0, s."scrap_reason", s."scrap_note", s."created_at", s."updated_at"
FROM "serial" s
"""


def serial_model(database, table_name: str) -> type[Model]:
    """Return the `serial` table of schema version 6 named `table_name`, bound to `database`."""
    collation = '"C"' if isinstance(database, PostgresqlDatabase) else None

    class Serial(Model):
        id = CharField(primary_key=True, collation=collation)
        number = IntegerField()
        job_id = CharField()
        path_id = CharField()
        current_step_index = IntegerField()
        current_step_id = CharField(null=True)
        status = TextField()
        rework_count = IntegerField(default=0)
        hold_count = IntegerField(default=0)
        hold_reason = TextField(null=True)
        hold_note = TextField(null=True)
        hold_failed_checks = TextField(null=True)
        hold_since = BigIntegerField(null=True)
        scrap_reason = TextField(null=True)
        scrap_note = TextField(null=True)
        created_at = BigIntegerField()
        updated_at = BigIntegerField()

        class Meta:
            indexes = (
                (("number",), True),
                (("path_id", "status", "current_step_index"), False),
                (("job_id", "number"), False),
                (("path_id", "number"), False),
                (("status", "number"), False),
                (("updated_at", "number"), False),
            )

    Serial._meta.table_name = table_name
    Serial.bind(database)
    return Serial


def state_models(database) -> list[type[Model]]:
    """Return the `serial_step` and `serial_move` tables of schema version 6."""

    class SerialStep(Model):
        serial_id = CharField()
        path_id = CharField()
        step_index = IntegerField()
        state = TextField()
        visits = IntegerField()

        class Meta:
            legacy_table_names = False
            primary_key = CompositeKey("serial_id", "step_index")
            indexes = ((("path_id", "state", "step_index"), False),)

    class SerialMove(Model):
        event_id = BigIntegerField(primary_key=True)
        serial_id = CharField()
        type = TextField()
        actor = TextField()
        at = BigIntegerField()
        before = TextField()
        undone_at = BigIntegerField(null=True)

        class Meta:
            legacy_table_names = False

    SerialMove.add_index(SerialMove.index(SerialMove.serial_id, SerialMove.event_id,
                                          where=SerialMove.undone_at.is_null()))
    for model in (SerialStep, SerialMove):
        model.bind(database)
    return [SerialStep, SerialMove]


def up(migrator, db):
    """Rebuild `serial`, create `serial_step` and `serial_move`, add `event.operator`."""
    rebuilt = serial_model(db, "serial_rebuilt")
    rebuilt._schema.create_table(safe=False)
    db.execute_sql(COPY)
    db.execute_sql('DROP TABLE "serial"')
    db.execute_sql('ALTER TABLE "serial_rebuilt" RENAME TO "serial"')
    serial = serial_model(db, "serial")
    serial.add_index(serial.index(serial.path_id, serial.status,
                                  where=(serial.rework_count > 0) | (serial.hold_count > 0)))
    serial._schema.create_indexes(safe=False)
    step, move = state_models(db)
    db.create_tables([step, move])
    migrator.migrate(migrator.add_column("event", "operator", TextField(null=True)))
    _record_old_moves(db, move)


OLD_MOVES = ("serial.advanced", "serial.completed", "serial.scrapped")
BATCH = 500


def _before(step_ids: dict, path_id: str, at: int) -> str:
    """The image of a serial on its plan at step `at`, `in_progress` (as stored by Undo)."""
    serial = {"current_step_index": at, "current_step_id": step_ids.get((path_id, at)),
              "status": "in_progress", "rework_count": 0, "hold_count": 0, "hold_reason": None,
              "hold_note": None, "hold_failed_checks": None, "hold_since": None,
              "scrap_reason": None, "scrap_note": None}
    return json.dumps({"serial": serial, "steps": []}, separators=(",", ":"))


def _record_old_moves(db, move: type[Model]) -> None:
    step_ids = {(path_id, order): step_id for step_id, path_id, order in db.execute_sql(
        'SELECT "id", "path_id", "order" FROM "process_step"').fetchall()}
    placeholders = ", ".join([db.param] * len(OLD_MOVES))
    events = db.execute_sql(
        'SELECT "id", "serial_id", "path_id", "type", "actor", "at", "data" FROM "event"'
        f' WHERE "type" IN ({placeholders}) ORDER BY "id"', OLD_MOVES).fetchall()
    rows = []
    for event_id, serial_id, path_id, kind, actor, at, data in events:
        fields = json.loads(data)
        index = fields["atStepIndex"] if kind == "serial.scrapped" else fields["fromStepIndex"]
        rows.append({"event_id": event_id, "serial_id": serial_id, "type": kind,
                     "actor": actor, "at": at, "before": _before(step_ids, path_id, index)})
    for start in range(0, len(rows), BATCH):
        move.insert_many(rows[start:start + BATCH]).execute()
