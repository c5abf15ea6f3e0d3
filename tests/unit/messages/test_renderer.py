"""Citizen messages in nl, fr and de (N-I18N, R-INVA-1, R-NOTIFY, R-AVAIL, N-GDPR)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from lmb.adapters.messages import LANGUAGES, MessageRenderer, RenderedMessage, RenderError
from lmb.adapters.messages.gsm import is_gsm7, septets
from lmb.application.model import MessageKind
from tests.unit.messages.samples import LONGEST, ORDINARY, message

GOLDEN = Path(__file__).parent / "golden"
KINDS = list(MessageKind)
#: An INSZ in any spelling: 11 digits in a row, or the official dotted form.
INSZ_LIKE = re.compile(r"(?<![\d+])\d{11}(?!\d)|\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}")

renderer = MessageRenderer()


def flat(text: str) -> str:
    """The text with its line wrapping undone."""
    return " ".join(text.split())


def render(
    kind: MessageKind, language: str, data: dict[str, object] | None = None
) -> RenderedMessage:
    return renderer.render(message(kind, language, data))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
class TestEveryKindInEveryLanguage:
    def test_renders_translated_with_the_manage_link(
        self, kind: MessageKind, language: str
    ) -> None:
        rendered = render(kind, language)
        english = render(kind, "en")

        assert rendered.language == language
        assert rendered.subject and rendered.subject != english.subject
        assert ORDINARY["manage_url"] in rendered.text
        assert ORDINARY["manage_url"] in rendered.html
        assert f'<html lang="{language}">' in rendered.html
        assert "Maria Peeters" in rendered.text
        for part in (rendered.subject, rendered.text, rendered.html, rendered.sms):
            assert "%(" not in part and "{{" not in part and "{%" not in part

    def test_the_sms_fits_in_two_gsm7_parts_even_with_the_longest_data(
        self, kind: MessageKind, language: str
    ) -> None:
        for data in (ORDINARY, LONGEST):
            sms = render(kind, language, data).sms

            assert is_gsm7(sms)
            assert septets(sms) <= 306
            assert not sms.endswith("...")

    def test_no_national_number_ever_appears(self, kind: MessageKind, language: str) -> None:
        """N-GDPR: messages carry codes and names, never an INSZ."""
        for data in (ORDINARY, LONGEST):
            rendered = render(kind, language, data)
            for part in (rendered.subject, rendered.text, rendered.html, rendered.sms):
                assert not INSZ_LIKE.search(part)

    def test_the_plain_text_is_wrapped_for_mail_readers(
        self, kind: MessageKind, language: str
    ) -> None:
        for line in render(kind, language, LONGEST).text.splitlines():
            assert len(line) <= 72 or "://" in line or " " not in line.strip()


@pytest.mark.parametrize("language", LANGUAGES)
class TestInvitation:
    """R-NOTIFY: centre, address, date and hours, codes, booking link, deadline, no changes."""

    FIXED = {
        "nl": "het centrum en de dag kunt u in het boekingssysteem niet wijzigen",
        "fr": "le centre et le jour ne peuvent pas être modifiés",
        "de": "Zentrum und Tag können im Buchungssystem nicht geändert werden",
    }
    DATE = {
        "nl": "maandag 12 april 2021",
        "fr": "lundi 12 avril 2021",
        "de": "Montag, 12. April 2021",
    }

    def test_the_mail_holds_everything_needed_to_book(self, language: str) -> None:
        rendered = render(MessageKind.INVITATION, language)

        for part in (flat(rendered.text), flat(rendered.html)):
            assert "ABCD-EFGH-JKMN-PQRS" in part
            assert "Vaccinatiecentrum Gent Expo" in part
            assert "Maaltekouter 1, 9051 Gent" in part
            assert self.DATE[language] in part
            assert "15:00" in part and "19:00" in part
            assert ORDINARY["booking_url"] in part
            assert ORDINARY["manage_url"] in part
            assert self.FIXED[language] in part
            assert "09 234 56 78" in part

    def test_the_deadline_is_in_brussels_time(self, language: str) -> None:
        """13:30 UTC on 12 April is 15:30 in Brussels (summer time)."""
        rendered = render(MessageKind.INVITATION, language)

        assert "15:30" in rendered.subject
        assert "15:30" in rendered.text
        assert "13:30" not in rendered.text

    def test_without_a_deadline_yet_it_counts_minutes(self, language: str) -> None:
        rendered = renderer.render(message(MessageKind.INVITATION, language, deadline=None))

        assert "30 " in rendered.text
        assert "15:30" not in rendered.text

    def test_a_group_gets_every_code_and_every_name(self, language: str) -> None:
        rendered = render(MessageKind.INVITATION, language, LONGEST)

        for code in LONGEST["vaccination_codes"]:
            assert code in rendered.text and code in rendered.html and code in rendered.sms
        for name in LONGEST["persons"]:
            assert name in flat(rendered.text)
        assert "02 555 01 23" in rendered.sms
        assert LONGEST["booking_url"] in rendered.sms

    def test_the_sms_names_the_centres_phone_only_when_there_is_one(self, language: str) -> None:
        without = renderer.render(message(MessageKind.INVITATION, language, centre_phone=None))

        assert "09 234 56 78" in render(MessageKind.INVITATION, language).sms
        assert "09 234 56 78" not in without.sms
        assert "None" not in without.sms + without.text

    def test_the_html_escapes_what_it_is_given(self, language: str) -> None:
        rendered = renderer.render(
            message(MessageKind.INVITATION, language, centre_name='<script>alert("x")</script>')
        )

        assert "<script>" not in rendered.html
        assert "&lt;script&gt;" in rendered.html

    def test_the_text_part_matches_the_golden_file(self, language: str) -> None:
        """Review a change of wording here; regenerate with LMB_UPDATE_GOLDEN=1."""
        golden = GOLDEN / f"invitation.{language}.txt"
        text = render(MessageKind.INVITATION, language).text
        if os.environ.get("LMB_UPDATE_GOLDEN") == "1":
            golden.write_text(text, encoding="utf-8")
        assert text == golden.read_text(encoding="utf-8")


class TestOtherKinds:
    @pytest.mark.parametrize("language", LANGUAGES)
    def test_an_open_slot_confirmation_reminds_to_bring_the_eid(self, language: str) -> None:
        """R-INVA-1: date, hour, location, eID reminder and the vaccination code."""
        rendered = render(MessageKind.OPEN_SLOT_CONFIRMATION, language)

        for part in (rendered.text, rendered.html):
            assert "eID" in part
            assert "ABCD-EFGH-JKMN-PQRS" in part
            assert "Vaccinatiecentrum Gent Expo" in part
            assert "15:00" in part
        assert "ABCD-EFGH-JKMN-PQRS" in rendered.sms

    def test_a_contact_confirmation_carries_the_confirm_link(self) -> None:
        rendered = render(MessageKind.CONTACT_CONFIRMATION, "nl")

        assert ORDINARY["confirm_url"] in rendered.text
        assert ORDINARY["confirm_url"] in rendered.html
        assert ORDINARY["confirm_url"] in rendered.sms

    def test_a_reminder_says_when_the_availability_lapses(self) -> None:
        """R-AVAIL: 21:59:59 UTC on 25 April is 23:59 in Brussels."""
        rendered = render(MessageKind.AVAILABILITY_REMINDER, "fr")

        assert "dimanche 25 avril à 23:59" in flat(rendered.text)

    def test_a_listed_registration_says_until_when(self) -> None:
        rendered = render(MessageKind.REGISTRATION_LISTED, "de")

        assert "Sonntag, 25. April 2021" in flat(rendered.text)

    def test_an_unknown_language_falls_back_to_english(self) -> None:
        rendered = render(MessageKind.INVITATION, "it")

        assert rendered.language == "en"
        assert "cannot be changed in the booking system" in flat(rendered.text)


class TestBadData:
    @pytest.mark.parametrize(
        ("kind", "missing"),
        [
            (MessageKind.INVITATION, "booking_url"),
            (MessageKind.INVITATION, "manage_url"),
            (MessageKind.CONTACT_CONFIRMATION, "confirm_url"),
            (MessageKind.AVAILABILITY_REMINDER, "lapses_at"),
        ],
    )
    def test_missing_data_is_a_render_error(self, kind: MessageKind, missing: str) -> None:
        with pytest.raises(RenderError, match=missing):
            renderer.render(message(kind, "nl", **{missing: None}))

    @pytest.mark.parametrize(
        "extra", [{"date": "12/04/2021"}, {"start": "3pm"}, {"deadline": 1618234200}]
    )
    def test_malformed_data_is_a_render_error(self, extra: dict[str, Any]) -> None:
        with pytest.raises(RenderError):
            renderer.render(message(MessageKind.INVITATION, "nl", **extra))
