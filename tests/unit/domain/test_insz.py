"""The INSZ value object: parsing, checksum, birth date, masking (R-DATA, C-REGISTRY)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lmb.domain.errors import InvalidInsz
from lmb.domain.insz import UNKNOWN_BIRTH_KEY, Insz
from lmb.testing import (
    an_insz,
    birth_dates,
    bis_numbers,
    insz_digits,
    insz_numbers,
    insz_spellings,
    insz_with_unknown_birth_date,
    invalid_insz_texts,
    national_numbers,
)

relaxed = settings(deadline=None)


def _accepted_check_digits(body: str) -> set[int]:
    """The check numbers python-stdnum accepts for these nine digits (either century)."""
    n = int(body)
    accepted = {97 - n % 97}
    if int(body[:2]) + 2000 <= dt.date.today().year:
        accepted.add(97 - (2_000_000_000 + n) % 97)
    return accepted


class TestInszParse:
    def test_accepts_the_official_spelling(self) -> None:
        """R-DATA: 85.07.30-033.28 is the textbook national register number."""
        insz = Insz.parse("85.07.30-033.28")
        assert insz.digits == "85073003328"
        assert not insz.is_bis

    @relaxed
    @given(insz=insz_numbers())
    def test_formatted_form_parses_back_to_the_same_number(self, insz: Insz) -> None:
        """C-REGISTRY: formatted() is a faithful spelling."""
        assert Insz.parse(insz.formatted()) == insz
        assert Insz.parse(insz.digits) == insz

    @relaxed
    @given(data=st.data(), insz=insz_numbers())
    def test_every_usual_spelling_gives_the_same_number(
        self, data: st.DataObject, insz: Insz
    ) -> None:
        """R-DATA: citizens type dots, dashes and spaces; the number is the same."""
        spelling = data.draw(insz_spellings(st.just(insz)))
        assert Insz.parse(spelling) == insz

    @relaxed
    @given(insz=insz_numbers(), position=st.integers(min_value=9, max_value=10))
    def test_a_changed_check_digit_is_rejected(self, insz: Insz, position: int) -> None:
        """C-REGISTRY: any single change of the check digits is rejected.

        The one exception is a change that happens to spell the other century's
        checksum: that is a valid number of someone born 100 years apart.
        """
        for digit in "0123456789":
            if digit == insz.digits[position]:
                continue
            altered = insz.digits[:position] + digit + insz.digits[position + 1 :]
            if int(altered[9:]) in _accepted_check_digits(altered[:9]):
                other = Insz.parse(altered)
                if insz.birth_date is not None:
                    assert other.birth_date is not None
                    assert abs(other.birth_date.year - insz.birth_date.year) == 100
                continue
            with pytest.raises(InvalidInsz):
                Insz.parse(altered)

    @relaxed
    @given(insz=insz_numbers(), position=st.integers(min_value=0, max_value=8))
    def test_a_changed_body_digit_is_rejected(self, insz: Insz, position: int) -> None:
        """C-REGISTRY: the checksum catches every single-digit typo in the first nine."""
        for digit in "0123456789":
            altered = insz.digits[:position] + digit + insz.digits[position + 1 :]
            if digit == insz.digits[position] or int(altered[9:]) in _accepted_check_digits(
                altered[:9]
            ):
                continue
            with pytest.raises(InvalidInsz):
                Insz.parse(altered)

    def test_the_century_swap_is_a_different_person(self) -> None:
        """C-REGISTRY: 2017 and 1917 share nine digits; the check digits tell them apart."""
        born_2017 = an_insz(dt.date(2017, 7, 30), 33)
        born_1917 = an_insz(dt.date(1917, 7, 30), 33)
        assert born_2017.digits[:9] == born_1917.digits[:9]
        assert born_2017.digits == "17073003384"  # python-stdnum's documented example
        assert born_2017.birth_date == dt.date(2017, 7, 30)
        assert born_1917.birth_date == dt.date(1917, 7, 30)

    @relaxed
    @given(text=invalid_insz_texts())
    def test_rejects_bad_checksums_lengths_and_letters(self, text: str) -> None:
        """R-DATA: only a valid national register or BIS number is accepted."""
        with pytest.raises(InvalidInsz):
            Insz.parse(text)

    @relaxed
    @given(text=st.text(max_size=30))
    # Full-width digits are digits to str.isdigit, but no INSZ.
    @example(text="".join(chr(0xFF10 + int(d)) for d in "85073003328"))
    @example(text="85.07.30-033.2" + chr(0xFF18))
    def test_arbitrary_text_fails_only_with_invalid_insz(self, text: str) -> None:
        """R-DATA: no input crashes the parser; it is a number or InvalidInsz."""
        try:
            insz = Insz.parse(text)
        except InvalidInsz:
            return
        assert re.fullmatch(r"[0-9]{11}", insz.digits)
        assert Insz.parse(insz.digits) == insz

    @pytest.mark.parametrize("value", [85073003328, None, b"85073003328"])
    def test_rejects_what_is_not_text(self, value: object) -> None:
        """R-DATA: an INSZ comes in as text; a number would lose its leading zero."""
        with pytest.raises(InvalidInsz):
            Insz.parse(value)  # type: ignore[arg-type]


class TestInszBirthDate:
    def test_born_on_new_years_day_2000_uses_the_post_2000_checksum(self) -> None:
        """R-DATA: from 2000 on, the checksum is taken over the number with a 2 in front."""
        insz = an_insz(dt.date(2000, 1, 1), 1)
        assert insz.digits[:9] == "000101001"
        assert int(insz.digits[9:]) == 97 - int("2000101001") % 97
        assert insz.birth_date == dt.date(2000, 1, 1)
        assert Insz.parse(insz_digits(1900, 1, 1, 1)).birth_date == dt.date(1900, 1, 1)

    @relaxed
    @given(insz=national_numbers(born=birth_dates(min_value=dt.date(2000, 1, 1))))
    def test_everyone_born_from_2000_has_the_prefixed_checksum(self, insz: Insz) -> None:
        """R-DATA: the 2000 rule, for every birth date it covers."""
        assert insz.birth_date is not None and insz.birth_date.year >= 2000
        assert int(insz.digits[9:]) == 97 - int("2" + insz.digits[:9]) % 97

    @relaxed
    @given(born=birth_dates(), serial=st.integers(1, 997))
    def test_a_national_number_encodes_its_birth_date(self, born: dt.date, serial: int) -> None:
        """R-DATA: the first six digits are YYMMDD."""
        insz = Insz.parse(insz_digits(born.year, born.month, born.day, serial))
        assert insz.birth_date == born
        assert not insz.is_bis

    def test_a_leap_day_birth_is_kept(self) -> None:
        """R-RANK: someone born on 29 February 1944 has that birth date, and ages on 1 March."""
        insz = an_insz(dt.date(1944, 2, 29))
        assert insz.birth_date == dt.date(1944, 2, 29)
        assert insz.birth_key == 19440229
        assert insz.age_on(dt.date(2021, 2, 28)) == 76
        assert insz.age_on(dt.date(2021, 3, 1)) == 77
        assert insz.age_on(dt.date(2024, 2, 29)) == 80

    def test_29_february_in_a_common_year_is_an_unknown_day(self) -> None:
        """R-RANK: 85.02.29 is no date (a counter overflow); it ranks after 28 Feb 1985."""
        insz = Insz.parse(insz_digits(1985, 2, 29, 33))
        assert insz.birth_date is None
        assert an_insz(dt.date(1985, 2, 28)).birth_key < insz.birth_key
        assert insz.birth_key < an_insz(dt.date(1985, 3, 1)).birth_key

    @pytest.mark.parametrize("offset", [20, 40])
    def test_a_bis_number_raises_the_month_by_20_or_40(self, offset: int) -> None:
        """C-REGISTRY: BIS numbers for people outside the national register."""
        insz = an_insz(dt.date(1962, 11, 5), 112, bis=offset)
        assert insz.digits[2:4] == f"{11 + offset}"
        assert insz.is_bis
        assert insz.birth_date == dt.date(1962, 11, 5)
        assert insz.birth_key == 19621105

    @relaxed
    @given(insz=bis_numbers())
    def test_every_bis_number_is_recognised_as_such(self, insz: Insz) -> None:
        """C-REGISTRY: a BIS number's month field is 21-32 or 41-52."""
        assert insz.is_bis
        assert 21 <= int(insz.digits[2:4]) <= 32 or 41 <= int(insz.digits[2:4]) <= 52
        assert insz.birth_date is not None

    def test_an_unknown_birth_date_ranks_after_everyone(self) -> None:
        """R-RANK: a wholly unknown birth date gives no priority at all."""
        unknown = an_insz(None)
        assert unknown.digits.startswith("000001")
        assert unknown.birth_date is None
        assert unknown.age_on(dt.date(2021, 4, 11)) is None
        assert unknown.birth_key == UNKNOWN_BIRTH_KEY
        assert unknown.birth_key > an_insz(dt.date(2020, 12, 31)).birth_key

    @pytest.mark.parametrize("offset", [20, 40])
    def test_a_bis_number_with_unknown_birth_date_ranks_after_everyone(self, offset: int) -> None:
        """R-RANK: the fictitious 00.20.01 and 00.40.01 of BIS numbers."""
        unknown = an_insz(None, bis=offset)
        assert unknown.is_bis
        assert unknown.birth_key == UNKNOWN_BIRTH_KEY

    def test_an_unknown_month_ranks_after_the_whole_year(self) -> None:
        """R-RANK: only the year known (month 00) counts as 31 December of that year."""
        year_only = Insz.parse(insz_digits(1950, None, None, 7))
        assert year_only.birth_date is None
        assert year_only.birth_key == 19501231
        assert an_insz(dt.date(1950, 12, 31)).birth_key <= year_only.birth_key
        assert year_only.birth_key < an_insz(dt.date(1951, 1, 1)).birth_key

    @relaxed
    @given(insz=insz_with_unknown_birth_date(), known=national_numbers())
    def test_a_missing_part_never_gains_priority(self, insz: Insz, known: Insz) -> None:
        """R-RANK: a partly unknown date ranks no earlier than any date it could be."""
        assert insz.birth_date is None
        assert known.birth_date is not None
        if insz.birth_key == UNKNOWN_BIRTH_KEY:
            assert known.birth_key < insz.birth_key
            return
        year, month = divmod(insz.birth_key // 100, 100)
        born = known.birth_date
        if born.year == year and (month == 12 or born.month == month):
            assert known.birth_key <= insz.birth_key

    @relaxed
    @given(first=national_numbers(), second=national_numbers())
    def test_the_birth_key_orders_like_the_birth_date(self, first: Insz, second: Insz) -> None:
        """R-RANK: a smaller key is an older person."""
        assert first.birth_date is not None and second.birth_date is not None
        assert (first.birth_key < second.birth_key) == (first.birth_date < second.birth_date)
        assert (first.birth_key == second.birth_key) == (first.birth_date == second.birth_date)

    @relaxed
    @given(
        born=birth_dates(max_value=dt.date(1999, 12, 31)).filter(
            lambda d: (d.month, d.day) != (2, 29)
        ),
        years=st.integers(min_value=1, max_value=100),
    )
    def test_age_goes_up_on_the_birthday(self, born: dt.date, years: int) -> None:
        """R-RANK: age in whole years, counted on the birthday itself."""
        insz = an_insz(born)
        birthday = born.replace(year=born.year + years)
        assert insz.age_on(born) == 0
        assert insz.age_on(birthday) == years
        assert insz.age_on(birthday - dt.timedelta(days=1)) == years - 1


class TestInszMasking:
    @relaxed
    @given(insz=insz_numbers())
    def test_the_masked_form_hides_serial_and_check_digits(self, insz: Insz) -> None:
        """N-GDPR: only the birth-date part is shown; serial and checksum never are."""
        masked = insz.masked()
        assert masked == f"{insz.formatted()[:9]}***.**"
        assert re.sub(r"\D", "", masked) == insz.digits[:6]

    @relaxed
    @given(insz=insz_numbers())
    def test_repr_and_str_never_show_the_number(self, insz: Insz) -> None:
        """N-GDPR: national numbers stay out of logs and tracebacks."""
        for shown in (repr(insz), str(insz), f"{insz}"):
            assert insz.digits not in shown
            assert insz.formatted() not in shown
            assert re.sub(r"\D", "", shown) == insz.digits[:6]
