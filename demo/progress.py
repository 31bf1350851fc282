"""How far ``seed_demo`` has got, on the stream it is given (the command's stderr).

On a terminal: one line redrawn in place, ``Seeding [########........]  40%  images 24/60``.
Elsewhere (a log file, CI, a pipe): a plain line as each kind of thing is done, and for stories
at every quarter, so a log shows progress in a handful of lines instead of a bar's redraws.
"""

from time import monotonic

BAR_WIDTH = 30
# The plain lines for the stories: at each of these fractions.
QUARTERS = (0.25, 0.5, 0.75, 1.0)


def plain(text: str) -> str:
    """Progress is not an error: no red (a command's stderr styles its lines as errors)."""
    return text


class SeedProgress:
    def __init__(self, stream, *, enabled: bool = True, tty: bool | None = None):
        self.stream = stream
        self.enabled = enabled
        self.tty = stream.isatty() if tty is None else tty
        self.totals: dict[str, int] = {}
        self.done: dict[str, int] = {}
        self.drawn = 0  # Width of the bar line on screen (0: none).
        self.shown: set[tuple[str, int]] = set()
        self.started = monotonic()

    def plan(self, totals: dict[str, int]) -> None:
        """The steps of each phase, in order (e.g. authors 24, images 60, stories 300)."""
        self.totals = dict(totals)
        self.done = dict.fromkeys(totals, 0)

    def __call__(self, phase: str, done: int) -> None:
        """``done`` of ``phase``'s steps are finished."""
        if not self.enabled or phase not in self.totals:
            return
        self.done[phase] = done
        total = self.totals[phase]
        if self.tty:
            self._draw(phase, done, total)
            return
        if phase != "stories":
            if done == total:
                self._line(f"  {phase} {done:,}/{total:,}")
            return
        reached = [q for q in QUARTERS if done >= total * q and (phase, q) not in self.shown]
        if reached:
            self.shown.update((phase, q) for q in reached)
            self._line(f"  {phase} {done:,}/{total:,}")

    def note(self, message: str) -> None:
        """A line of its own (--verbosity 2), above the bar."""
        if not self.enabled:
            return
        self._clear()
        self._line(message)

    def finish(self) -> None:
        """Leave the bar's last state on its line, and the cursor on the next."""
        if self.drawn:
            self.stream.write("", plain, ending="\n")
            self.stream.flush()
            self.drawn = 0

    def _draw(self, phase: str, done: int, total: int) -> None:
        overall_total = sum(self.totals.values()) or 1
        overall = sum(self.done.values())
        filled = BAR_WIDTH * overall // overall_total
        percent = 100 * overall // overall_total
        text = (
            f"Seeding [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {percent:3d}%  "
            f"{phase} {done:,}/{total:,}  {monotonic() - self.started:.0f} s"
        )
        self.stream.write("\r" + text.ljust(self.drawn), plain, ending="")
        self.stream.flush()
        self.drawn = len(text)

    def _clear(self) -> None:
        if self.drawn:
            self.stream.write("\r" + " " * self.drawn + "\r", plain, ending="")
            self.drawn = 0

    def _line(self, text: str) -> None:
        self.stream.write(text, plain)
        self.stream.flush()
