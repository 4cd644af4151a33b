"""Reading the Prometheus text that `GET /metrics` serves, for in-process and live tests."""
from prometheus_client.parser import text_string_to_metric_families


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of `text`, keyed by (sample name, frozenset of its label pairs)."""
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(text: str, name: str, **labels) -> float:
    """The sum of the samples called `name` whose labels include `labels` (0 when none)."""
    wanted = set(labels.items())
    return sum(v for (sample, pairs), v in samples(text).items()
               if sample == name and wanted <= pairs)


def label_values(text: str, label: str) -> set[str]:
    """Every value that `label` takes in `text`."""
    return {dict(pairs)[label] for _, pairs in samples(text) if label in dict(pairs)}


def added(before: str, after: str, name: str, **labels) -> float:
    """How much `value(name, **labels)` grew from scrape `before` to scrape `after`."""
    return value(after, name, **labels) - value(before, name, **labels)
