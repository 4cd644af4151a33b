"""Each message has one home (issue 17, item 4): a domain message is a constant next to its
raise, and every message a route's contract declares is that constant, cited."""
import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import jobs.http
import jobs.services
import jobs.webhooks
import schemas
from jobs.errors import ApiError, InvalidField, NotFound, ServiceUnavailable
from jobs.http.contract import contract_of
from jobs.views.records import LINK_REQUIRED
from schemas.base import WireSchema

ROOT = Path(__file__).resolve().parent.parent
RAISERS = sorted((ROOT / "jobs" / "services").glob("*.py")) + [ROOT / "jobs/store/records.py"]
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def modules(package) -> list:
    return [importlib.import_module(f"{package.__name__}.{info.name}")
            for info in pkgutil.iter_modules(package.__path__)]


def shape(message: str) -> str:
    """The message with its placeholders blanked: `{id}` and `{jobId}` name the same value."""
    return _PLACEHOLDER.sub("{}", message)


def cites(home: str, message: str) -> bool:
    """Whether `message` is the constant `home` (a shape), its placeholders named or filled
    (`{field} must be from {low} to {high}` as `toStepIndex must be from {...} to {...}`)."""
    pattern = ".+".join(re.escape(part) for part in home.split("{}"))
    return re.fullmatch(pattern, shape(message)) is not None


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, tuple):
        for item in value:
            yield from strings(item)


def schema_classes(base=WireSchema):
    for schema in base.__subclasses__():
        yield schema
        yield from schema_classes(schema)


def homes() -> set[str]:
    """The shapes of every message constant of the raisers, and of every schema field."""
    found = {shape(LINK_REQUIRED), shape(ServiceUnavailable().message)}
    for module in (*modules(jobs.services), *modules(jobs.http), *modules(jobs.webhooks),
                   importlib.import_module("jobs.store.records")):
        found.update(shape(text) for value in vars(module).values() for text in strings(value))
    modules(schemas)
    for schema in schema_classes():
        for name, field in schema._declared_fields.items():
            found.update(shape(text.replace("{field}", field.data_key or name))
                         for text in field.error_messages.values())
    return found


@pytest.mark.parametrize("path", RAISERS, ids=lambda path: path.name)
def test_services_raise_their_messages_from_constants(path):
    # `raise Conflict(NOT_ON_HOLD, id=...)`, never a literal or an f-string at the raise
    # (InvalidField's message is its second argument, after the field).
    literal = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
            call = node.exc
            message = call.args[ast.unparse(call.func) == "InvalidField"]
            if isinstance(message, (ast.JoinedStr, ast.Constant)):
                literal.append(node.lineno)
    assert literal == []


def test_every_declared_message_is_a_constant_of_its_raiser(app):
    known = homes()
    declared = {message for view in app.view_functions.values()
                if (promised := contract_of(view)) is not None
                for messages in promised.errors.values() for message in messages}
    assert declared
    assert sorted(message for message in declared
                  if not any(cites(home, message) for home in known)) == []


def test_a_message_takes_its_values_by_name():
    assert NotFound("Job not found: {id}", id="job_{x}").message == "Job not found: job_{x}"
    assert ApiError("Braces {stay} without values").message == "Braces {stay} without values"
    error = InvalidField("results.{name}", "results.{name} is required", name="Bore")
    assert (error.message, error.errors) == ("results.Bore is required",
                                             {"results.Bore": ["results.Bore is required"]})


def literal_messages(path: Path) -> list[str]:
    """The string literals of the `errors` a view's `@contract` declares, but the values a
    `.format(...)` gives placeholders (`NOT_FOUND.format(id="{jobId}")`)."""
    tree = ast.parse(path.read_text())
    renamed = {id(node) for call in ast.walk(tree) if isinstance(call, ast.Call)
               and isinstance(call.func, ast.Attribute) and call.func.attr == "format"
               for keyword in call.keywords for node in ast.walk(keyword.value)}
    return [node.value for call in ast.walk(tree) if isinstance(call, ast.Call)
            and ast.unparse(call.func) == "contract"
            for keyword in call.keywords if keyword.arg == "errors"
            for node in ast.walk(keyword.value)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in renamed]


@pytest.mark.parametrize("path", sorted((ROOT / "jobs" / "views").glob("*.py")),
                         ids=lambda path: path.name)
def test_views_cite_the_domain_messages_by_name(path):
    # Only a schema field's own wording may be repeated (the field raises it itself).
    fields = {shape(text.replace("{field}", field.data_key or name))
              for schema in schema_classes() for name, field in schema._declared_fields.items()
              for text in field.error_messages.values()}
    assert [text for text in literal_messages(path) if shape(text) not in fields] == []
