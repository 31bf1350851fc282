"""What an import command prints: progress on stderr, a summary on stdout."""

from articles.importing.rows import Result, Status


class Progress:
    """``\\r  4,000/10,000 articles  40%`` on stderr, one update per batch (no queries)."""

    def __init__(self, stream, enabled: bool):
        self.stream, self.enabled, self.shown = stream, enabled, False

    def __call__(self, done: int, total: int):
        if not self.enabled or not total:
            return
        percent = 100 * done // total
        self.stream.write(f"\r  {done:,}/{total:,} articles  {percent:3d}%", ending="")
        self.stream.flush()
        self.shown = True

    def finish(self):
        if self.shown:
            self.stream.write("", ending="\n")
            self.stream.flush()
            self.shown = False


def summary(result: Result, seconds: float, source: str) -> list[str]:
    rate = result.articles.created / seconds if seconds > 0 else 0.0
    lines = [f"Imported {source} in {seconds:.1f} s ({rate:,.0f} articles/s):"]
    for kind in ("sections", "authors", "tags", "articles"):
        tally = getattr(result, kind)
        lines.append(
            f"  {kind:<9} {tally.created:>7,} created, {tally.skipped:>7,} skipped (already there)"
        )
    states = ", ".join(
        f"{count:,} {Status(state).label.lower()}" for state, count in sorted(result.states.items())
    )
    if states:
        lines.append(f"  new stories: {states}")
    return lines
