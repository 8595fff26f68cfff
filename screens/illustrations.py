"""Pictures instead of paragraphs, drawn with Kivy's graphics instructions (no image files to keep in step):

- ``CardOnReader``: a card coming down onto the chip reader, over and over (a slow loop: each frame is a full
  repaint under software rendering, so it moves four times a second);
- ``QrToCamera``: the card's front, QR code up, held towards the camera;
- ``ProgressRing``: how much of the chip has been read, as a ring filling clockwise with the percentage inside.

``ChipGuide`` shows the card-on-reader loop until the chip is being read, then the ring. Each drawing scales to the
room it is given and draws nothing when that room is too small to read.
"""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.graphics import Color, Ellipse, InstructionGroup, Line, Rectangle, RoundedRectangle
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from screens.theme import FONT, Theme

CARD_ASPECT = 85.6 / 54.0  # ID-1
MIN_SIDE = 56  # px: below this a drawing is not drawn
FRAMES = 6  # frames per loop of the card animation
FRAME_SECONDS = 0.25


def _card(group: InstructionGroup, theme: Theme, x: float, y: float, w: float) -> None:
    """A CCCD front: light card, gold chip, photo box, text lines, QR code in the top right corner."""
    h = w / CARD_ASPECT
    group.add(Color(0.93, 0.96, 1.0, 1))
    group.add(RoundedRectangle(pos=(x, y), size=(w, h), radius=[w * 0.06]))
    group.add(Color(*theme.primary))
    group.add(Line(rounded_rectangle=(x, y, w, h, w * 0.06), width=max(1.2, w * 0.012)))
    group.add(Color(0.85, 0.68, 0.25, 1))  # the chip
    group.add(RoundedRectangle(pos=(x + w * 0.08, y + h * 0.42), size=(w * 0.16, h * 0.22), radius=[w * 0.02]))
    group.add(Color(0.55, 0.6, 0.68, 1))  # text lines
    for i in range(3):
        group.add(Rectangle(pos=(x + w * 0.3, y + h * (0.2 + 0.14 * i)), size=(w * 0.38, h * 0.05)))
    _qr(group, x + w * 0.72, y + h * 0.58, w * 0.22)


def _qr(group: InstructionGroup, x: float, y: float, side: float) -> None:
    """A QR code's look: three finder squares and a few modules."""
    group.add(Color(1, 1, 1, 1))
    group.add(Rectangle(pos=(x, y), size=(side, side)))
    group.add(Color(0.05, 0.05, 0.05, 1))
    finder = side * 0.34
    for fx, fy in ((x, y + side - finder), (x + side - finder, y + side - finder), (x, y)):
        group.add(Line(rectangle=(fx + finder * 0.1, fy + finder * 0.1, finder * 0.8, finder * 0.8),
                       width=max(1.0, side * 0.035)))
        group.add(Rectangle(pos=(fx + finder * 0.32, fy + finder * 0.32), size=(finder * 0.36, finder * 0.36)))
    module = side * 0.1
    for i, j in ((5, 5), (6, 3), (4, 7), (8, 6), (7, 8), (5, 2), (8, 1), (6, 6)):
        group.add(Rectangle(pos=(x + module * i, y + module * j * 0.9), size=(module, module)))


class CardOnReader(Widget):
    """The card moving down onto the reader; ``start()``/``stop()`` the loop."""

    def __init__(self, theme: Theme, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.theme = theme
        self.frame = FRAMES - 1  # drawn at rest (on the reader) until started
        self._group = InstructionGroup()
        self.canvas.add(self._group)
        self._event: Any = None
        self.bind(pos=self.draw, size=self.draw)

    def start(self) -> None:
        if self._event is None:
            self._event = Clock.schedule_interval(self._next, FRAME_SECONDS)

    def stop(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None

    def _next(self, _dt: float) -> None:
        self.frame = (self.frame + 1) % FRAMES
        self.draw()

    def draw(self, *_: Any) -> None:
        group = self._group
        group.clear()
        w = min(self.width * 0.8, self.height * 0.9 * CARD_ASPECT * 0.8)
        if w < MIN_SIDE * 1.4:
            return
        cx = self.center_x
        reader_w, reader_h = w * 1.2, w * 0.22
        reader_y = self.y + self.height * 0.06
        group.add(Color(0.2, 0.23, 0.28, 1))  # the reader
        group.add(RoundedRectangle(pos=(cx - reader_w / 2, reader_y), size=(reader_w, reader_h),
                                   radius=[reader_h * 0.3]))
        group.add(Color(*self.theme.ok))
        group.add(Ellipse(pos=(cx + reader_w * 0.38, reader_y + reader_h * 0.35), size=(reader_h * 0.3,) * 2))
        # The card comes down in the first frames, then rests on the reader.
        travel = self.height - reader_h - w / CARD_ASPECT - self.height * 0.1
        fall = max(0.0, 1 - self.frame / (FRAMES - 3)) if self.frame < FRAMES - 3 else 0.0
        card_y = reader_y + reader_h * 0.55 + max(0.0, travel) * fall
        _card(group, self.theme, cx - w / 2, card_y, w)
        if fall == 0:  # on the reader: the waves of the contactless link
            group.add(Color(*self.theme.primary))
            for k in (1, 2):
                group.add(Line(circle=(cx + w * 0.62, card_y + w / CARD_ASPECT * 0.5, w * 0.08 * k, 30, 150),
                               width=2))


class QrToCamera(Widget):
    """The card's front held up to the camera, QR code towards the lens."""

    def __init__(self, theme: Theme, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.theme = theme
        self._group = InstructionGroup()
        self.canvas.add(self._group)
        self.bind(pos=self.draw, size=self.draw)

    def draw(self, *_: Any) -> None:
        group = self._group
        group.clear()
        w = min(self.width * 0.62, self.height * 0.8 * CARD_ASPECT)
        if w < MIN_SIDE:
            return
        h = w / CARD_ASPECT
        x, y = self.x + self.width * 0.04, self.center_y - h / 2
        _card(group, self.theme, x, y, w)
        lens = min(self.width * 0.16, self.height * 0.4)  # the camera, to the right, looking at the QR
        lx, ly = self.right - lens * 1.3, self.center_y - lens / 2
        group.add(Color(0.2, 0.23, 0.28, 1))
        group.add(RoundedRectangle(pos=(lx - lens * 0.15, ly - lens * 0.15), size=(lens * 1.3, lens * 1.3),
                                   radius=[lens * 0.2]))
        group.add(Color(0.55, 0.75, 0.95, 1))
        group.add(Ellipse(pos=(lx + lens * 0.15, ly + lens * 0.15), size=(lens * 0.7, lens * 0.7)))
        group.add(Color(*self.theme.primary))  # arrow: QR → lens
        start, end = x + w + 4, lx - lens * 0.25
        if end - start > 12:
            mid = ly + lens / 2
            group.add(Line(points=[start, mid, end, mid], width=2.5))
            group.add(Line(points=[end - 10, mid + 7, end, mid, end - 10, mid - 7], width=2.5))


class ProgressRing(Widget):
    """A ring filling clockwise with ``value`` (0–1), the percentage written inside."""

    def __init__(self, theme: Theme, *, label: bool = True, line: float = 8, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.theme = theme
        self.value = 0.0
        self.min_radius = MIN_SIDE / 2 if label else 10  # a small ring (a banner) goes without its percentage
        with self.canvas:
            Color(*theme.border)  # the track shows on a white panel and on a grey banner alike
            self._track = Line(width=line)
            Color(*theme.primary)
            self._arc = Line(width=line, cap="round")
        self.label = Label(font_name=FONT, font_size=theme.font("body"), bold=True, color=theme.text,
                           opacity=1 if label else 0)
        self.add_widget(self.label)
        self.bind(pos=self.draw, size=self.draw)

    def set(self, value: float) -> None:
        self.value = max(0.0, min(1.0, value))
        self.draw()

    def draw(self, *_: Any) -> None:
        radius = min(self.width, self.height) / 2 - 10
        shown = radius >= self.min_radius
        self.label.text = f"{round(self.value * 100)}%" if shown and self.label.opacity else ""
        self.label.center = self.center
        self.label.size = self.label.texture_size if shown else (0, 0)
        if not shown:
            self._track.points = self._arc.points = []
            return
        self._track.circle = (self.center_x, self.center_y, radius)
        self._arc.circle = (self.center_x, self.center_y, radius, 0, 360 * self.value)
        if self.value <= 0:
            self._arc.points = []


class ChipGuide(Widget):
    """Where to put the card (animated) until the chip is being read; then how far the read has come."""

    def __init__(self, theme: Theme, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.picture = CardOnReader(theme)
        self.ring = ProgressRing(theme, opacity=0)
        self.add_widget(self.picture)
        self.add_widget(self.ring)
        self.bind(pos=self._layout, size=self._layout)

    def _layout(self, *_: Any) -> None:
        for child in (self.picture, self.ring):
            child.pos, child.size = self.pos, self.size

    def show(self, progress: float | None, *, animate: bool = True) -> None:
        """``progress``: the chip read's progress, or ``None`` while no card is on the reader."""
        reading = progress is not None
        self.ring.opacity, self.picture.opacity = (1, 0) if reading else (0, 1)
        if reading:
            self.picture.stop()
            self.ring.set(progress or 0.0)
        elif animate:
            self.picture.start()
        else:
            self.picture.stop()
