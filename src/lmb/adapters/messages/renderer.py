"""Renders a ``Message`` into subject, plain text, HTML and SMS in the citizen's language."""

from __future__ import annotations

import datetime as dt
import logging
import re
import textwrap
import zoneinfo
from collections.abc import Mapping
from typing import Any

import jinja2
import phonenumbers
from attrs import frozen
from babel.dates import format_date, format_skeleton, format_time
from babel.lists import format_list

from lmb.adapters.messages.catalogues import LANGUAGES, load_translations
from lmb.adapters.messages.gsm import TWO_PARTS, septets, to_gsm7
from lmb.application.model import Message, MessageKind

log = logging.getLogger("lmb.adapters.messages")

#: The ``data`` keys each kind cannot do without, besides ``manage_url``.
REQUIRED: Mapping[MessageKind, tuple[str, ...]] = {
    MessageKind.CONTACT_CONFIRMATION: ("confirm_url",),
    MessageKind.REGISTRATION_LISTED: (),
    MessageKind.REGISTRATION_INELIGIBLE: (),
    MessageKind.OPEN_SLOT_CONFIRMATION: (
        "centre_name",
        "date",
        "start",
        "end",
        "vaccination_codes",
    ),
    MessageKind.INVITATION: (
        "centre_name",
        "date",
        "start",
        "end",
        "vaccination_codes",
        "booking_url",
    ),
    MessageKind.INVITATION_EXPIRED: ("centre_name", "date"),
    MessageKind.AVAILABILITY_REMINDER: ("lapses_at",),
    MessageKind.WITHDRAWAL_CONFIRMED: (),
    MessageKind.DUPLICATE_NOTICE: (),
}

#: Babel locales: the Belgian variants of each language.
_LOCALES = {"nl": "nl_BE", "fr": "fr_BE", "de": "de_BE"}
_FALLBACK = "en"
#: "Monday 12 April" without the year, per language (Babel skeletons do not widen fields).
_DAY_PATTERNS = {"nl": "EEEE d MMMM", "fr": "EEEE d MMMM", "de": "EEEE, d. MMMM"}
_DAY_PATTERN_FALLBACK = "EEEE d MMMM"
#: Ever shorter centre names an SMS tries when the whole text would not fit in two parts.
_SMS_CENTRE_NAME_WIDTHS = (40, 32, 24, 16)
_TEXT_WIDTH = 72
_DEFAULT_TTL_MINUTES = 30


class RenderError(ValueError):
    """The message lacks data its kind needs, or holds data of the wrong form."""


@frozen
class RenderedMessage:
    """One message, ready to send: ``language`` is the one actually used."""

    language: str
    subject: str
    text: str
    html: str
    sms: str


class MessageRenderer:
    """Jinja2 templates and gettext catalogues, one environment per language (N-I18N).

    - Dates and times are formatted by Babel for the Belgian locale, in Brussels time.
    - The SMS is GSM-7 only and at most two parts (306 septets); when the full text
      does not fit, the manage link is left out, then the date is written in figures,
      then the centre name is shortened; only data beyond any realistic size is cut.
    - A language other than nl, fr, de falls back to the English source texts.

    Args:
        timezone: where citizens read their clocks.
    """

    def __init__(self, timezone: str = "Europe/Brussels") -> None:
        self._zone = zoneinfo.ZoneInfo(timezone)
        self._environments: dict[str, jinja2.Environment] = {}

    def render(self, message: Message) -> RenderedMessage:
        """Render every part of ``message``.

        Raises:
            RenderError: required data is missing or malformed.
        """
        language = message.language if message.language in LANGUAGES else _FALLBACK
        env = self._environment(language)
        context = self._context(message, language)
        kind = message.kind.value
        text_template = env.get_template(f"{kind}.txt.j2")
        subject = _one_line(_render_block(text_template, "subject", context))
        text = _tidy_text(text_template.render(context))
        html = env.get_template(f"{kind}.html.j2").render({**context, "subject": subject})
        sms = self._sms(text_template, context, kind)
        return RenderedMessage(language, subject, text, html, sms)

    def _sms(self, template: jinja2.Template, context: dict[str, Any], kind: str) -> str:
        numeric = {"compact": True, "date_short": context.get("date_numeric")}
        name = context.get("centre_name")
        steps: list[dict[str, Any]] = [
            {"compact": False},
            {"compact": True},
            numeric,
            *({**numeric, "centre_name": _shorten(name, w)} for w in _SMS_CENTRE_NAME_WIDTHS),
        ]
        sms = ""
        for step in steps:
            sms = to_gsm7(_one_line(_render_block(template, "sms", {**context, **step})))
            if septets(sms) <= TWO_PARTS:
                return sms
        log.warning("a %s SMS did not fit in two parts and was cut", kind)
        return _cut(sms, TWO_PARTS)

    def _environment(self, language: str) -> jinja2.Environment:
        env = self._environments.get(language)
        if env is None:
            env = jinja2.Environment(
                loader=jinja2.PackageLoader("lmb.adapters.messages", "templates"),
                autoescape=jinja2.select_autoescape(
                    enabled_extensions=("html.j2",), default_for_string=False, default=False
                ),
                extensions=["jinja2.ext.i18n"],
                trim_blocks=True,
                lstrip_blocks=True,
                undefined=jinja2.StrictUndefined,
                keep_trailing_newline=False,
            )
            env.policies["ext.i18n.trimmed"] = True
            env.install_gettext_translations(  # type: ignore[attr-defined]
                load_translations(language), newstyle=True
            )
            self._environments[language] = env
        return env

    def _context(self, message: Message, language: str) -> dict[str, Any]:
        data = message.data
        missing = [k for k in ("manage_url", *REQUIRED[message.kind]) if not data.get(k)]
        if missing:
            raise RenderError(f"missing data: {', '.join(missing)}")
        locale = _LOCALES.get(language, "en_BE")
        day_pattern = _DAY_PATTERNS.get(language, _DAY_PATTERN_FALLBACK)
        codes = data.get("vaccination_codes") or []
        persons = data.get("persons") or []
        if not isinstance(codes, list) or not isinstance(persons, list):
            raise RenderError("vaccination_codes and persons are lists")
        context: dict[str, Any] = {
            "lang": language,
            "name": message.name,
            "manage_url": data["manage_url"],
            "confirm_url": data.get("confirm_url"),
            "booking_url": data.get("booking_url"),
            "centre_name": data.get("centre_name"),
            "centre_address": data.get("centre_address"),
            "centre_phone": _phone(data.get("centre_phone")),
            "codes": [str(code) for code in codes],
            "persons": [str(person) for person in persons],
            "persons_text": format_list([str(p) for p in persons], locale=locale),
            "compact": False,
        }
        try:
            context["ttl_minutes"] = int(data.get("ttl_minutes") or _DEFAULT_TTL_MINUTES)
            if data.get("date"):
                day = dt.date.fromisoformat(data["date"])
                context["date_full"] = format_date(day, "full", locale=locale)
                context["date_day"] = format_date(day, day_pattern, locale=locale)
                context["date_short"] = format_skeleton("MMMEd", day, locale=locale)
                context["date_numeric"] = format_skeleton("dM", day, locale=locale)
            for key in ("start", "end"):
                if data.get(key):
                    at = dt.time.fromisoformat(data[key])
                    context[key] = format_time(at, "short", locale=locale)
            for key, prefix in (
                ("deadline", "deadline"),
                ("lapses_at", "lapses"),
                ("availability_until", "until"),
            ):
                moment = self._local(data.get(key))
                context[f"{prefix}_time"] = moment and format_time(moment, "short", locale=locale)
                context[f"{prefix}_day"] = moment and format_date(
                    moment, day_pattern, locale=locale
                )
                context[f"{prefix}_short"] = moment and format_skeleton(
                    "MMMEd", moment, locale=locale
                )
                context[f"{prefix}_date"] = moment and format_date(moment, "full", locale=locale)
        except (TypeError, ValueError) as exc:
            raise RenderError(f"malformed date or time: {type(exc).__name__}") from None
        return context

    def _local(self, value: object) -> dt.datetime | None:
        if not value:
            return None
        if not isinstance(value, str):
            raise TypeError("an ISO datetime is a string")
        moment = dt.datetime.fromisoformat(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(self._zone)


def _render_block(template: jinja2.Template, block: str, context: dict[str, Any]) -> str:
    return "".join(template.blocks[block](template.new_context(context)))


def _cut(text: str, limit: int) -> str:
    while septets(text) > limit - 3:
        text = text[:-1]
    return text.rstrip() + "..."


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _shorten(value: object, width: int) -> object:
    if not isinstance(value, str) or len(value) <= width:
        return value
    return value[: width - 3].rstrip() + "..."


def _phone(value: object) -> str | None:
    """A phone number as people dial it in Belgium (``09 123 45 67``)."""
    if not value:
        return None
    text = str(value)
    try:
        number = phonenumbers.parse(text, "BE")
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_valid_number(number):
        return text
    if number.country_code == 32:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


_BLANKS = re.compile(r"\n{3,}")


def _tidy_text(text: str) -> str:
    """Trailing spaces off, at most one blank line in a row, paragraphs wrapped at 72."""
    lines: list[str] = []
    for line in text.splitlines():
        line = line.rstrip() if line != "-- " else line
        if len(line) > _TEXT_WIDTH and "://" not in line:
            indent = line[: len(line) - len(line.lstrip())]
            lines.extend(
                textwrap.wrap(
                    line.strip(),
                    width=_TEXT_WIDTH,
                    initial_indent=indent,
                    subsequent_indent=indent,
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )
        else:
            lines.append(line)
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip("\n") + "\n"
