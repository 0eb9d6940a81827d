"""Issue 30 §2: the public guides. A page per variant of each kind (and per category where one
picks an office), with exact content from the kinds and the Setting rows; the same guide as one
A4 page of PDF; the intake pages link to the guide of what is being filed."""

from __future__ import annotations

import datetime

import lxml.html
import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from agencies.choices import UserRole
from cases import kinds, rules
from cases.models import BundleVariant, Setting
from tests.cases.conftest import at
from tests.pdfs import A4_PORTRAIT, pdf_pages, pdf_text

pytestmark = pytest.mark.django_db

ON = at(2026, 3, 2)  # base salary 2,340,000 đồng, standard social-assistance level 500,000 đồng

BIRTH_DOCUMENTS = [
    "Giấy chứng sinh",
    "Tờ khai đăng ký khai sinh",
    "Tờ khai thay đổi thông tin cư trú (CT01)",
    "Giấy tờ chứng minh chỗ ở hợp pháp",
    "Giấy tờ tùy thân của người đi đăng ký",
]
BIRTH_WITHOUT_RESIDENCE = [name for name in BIRTH_DOCUMENTS if name not in BIRTH_DOCUMENTS[2:4]]
DEATH_DOCUMENTS = [
    "Giấy báo tử hoặc giấy tờ thay thế",
    "Tờ khai đăng ký khai tử",
    "Giấy tờ tùy thân của người đi đăng ký",
]
FUNERAL_PROOF = "Giấy tờ chứng minh diện hưởng trợ cấp mai táng"
# (variant's procedures) → the documents its guide lists, in the checklist's order.
DOCUMENTS = {
    ("birth_registration", "permanent_residence", "health_insurance_card"): BIRTH_DOCUMENTS,
    ("birth_registration", "permanent_residence"): BIRTH_DOCUMENTS,
    ("birth_registration", "health_insurance_card"): BIRTH_WITHOUT_RESIDENCE,
    ("death_registration", "residence_deregistration"): DEATH_DOCUMENTS,
    ("death_registration", "residence_deregistration", "funeral_allowance"): [*DEATH_DOCUMENTS, FUNERAL_PROOF],
    ("death_registration", "residence_deregistration", "funeral_allowance", "survivor_benefit"): [
        *DEATH_DOCUMENTS,
        FUNERAL_PROOF,
    ],
}
# The limits of the shipped Setting rows, in working days.
LIMITS = {
    "birth_registration": "1 working day",
    "permanent_residence": "2 working days",
    "health_insurance_card": "2 working days",
    "death_registration": "1 working day",
    "residence_deregistration": "3 working days",
    "funeral_allowance": "by category (below)",
    "survivor_benefit": "10 working days",
}
# Category → (amount the rate table gives on ON, the funeral step's limit).
CATEGORIES = {
    "social_insurance": ("23.400.000 đồng", "10 working days"),
    "merit": ("23.400.000 đồng", "10 working days"),
    "social_protection": ("10.000.000 đồng", "3 working days"),
    "emergency": ("25.000.000 đồng", "3 working days"),
}


def variants() -> list[BundleVariant]:
    return list(BundleVariant.objects.prefetch_related("procedures").order_by("kind", "pk"))


def codes(variant: BundleVariant) -> tuple[str, ...]:
    return tuple(procedure.code for procedure in variant.procedures.order_by("position"))


def page(client: Client, url: str, language: str = "en") -> lxml.html.HtmlElement:
    client.cookies["django_language"] = language
    with time_machine.travel(ON, tick=False):
        response = client.get(url)
    assert response.status_code == 200, url
    return lxml.html.fromstring(response.content.decode())


def texts(tree: lxml.html.HtmlElement, xpath: str) -> list[str]:
    return [" ".join(element.text_content().split()) for element in tree.xpath(xpath)]


def rows(tree: lxml.html.HtmlElement, table: str) -> list[list[str]]:
    return [
        [" ".join(cell.text_content().split()) for cell in row.xpath("th|td")]
        for row in tree.xpath(f"//table[contains(@class, '{table}')]/tbody/tr")
    ]


def guide_url(variant: BundleVariant, category: str = "") -> str:
    if category:
        return reverse("cases:guide-category", args=[variant.kind, variant.pk, category])
    return reverse("cases:guide", args=[variant.kind, variant.pk])


def test_the_index_links_every_variant_of_every_kind_without_sign_in(client):
    tree = page(client, reverse("cases:guides"))

    assert texts(tree, "//main//h2") == ["Birth", "Death"]
    assert [(a.text_content(), a.get("href")) for a in tree.xpath("//main//section//a")] == [
        (variant.name_en, guide_url(variant)) for variant in variants()
    ]


@pytest.mark.parametrize("language", ["en", "vi"])
def test_every_variant_lists_its_documents_by_the_checklists_names_and_its_limits_from_the_settings(client, language):
    for variant in variants():
        tree = page(client, guide_url(variant), language)
        listed = texts(tree, "//ol[@class='guide-documents']/li")
        if language == "vi":
            assert listed == DOCUMENTS[codes(variant)], variant
        else:  # the English name, then the official one the desk and the papers use
            for name, official in zip(listed, DOCUMENTS[codes(variant)], strict=True):
                assert name.endswith(f"({official})"), (name, official)
        if language == "en":
            assert rows(tree, "guide-table")[: len(codes(variant))] == [
                [procedure.name_en, LIMITS[procedure.code], "free"]
                for procedure in variant.procedures.order_by("position")
            ]


def test_a_birth_guide_gives_the_bundles_limit_and_the_late_registration_rule(client):
    variant = BundleVariant.objects.filter(kind="birth").order_by("pk")[0]
    tree = page(client, guide_url(variant))

    assert texts(tree, "//p[@class='guide-limit']") == [
        "All results within 3 working days of a complete dossier (5 working days when facts must be verified)."
    ]
    assert "Register within 60 days of the event" in tree.text_content()
    assert "you then have 7 working days to bring it" in tree.text_content()


def test_a_death_guide_with_the_funeral_allowance_explains_the_four_categories_with_todays_amounts(client):
    variant = next(v for v in variants() if "funeral_allowance" in codes(v))
    tree = page(client, guide_url(variant))

    table = rows(tree, "guide-categories")
    assert [(row[0], row[3], row[4]) for row in table] == [
        ("Social-insurance funeral allowance", *CATEGORIES["social_insurance"]),
        ("Person with meritorious services", *CATEGORIES["merit"]),
        ("Social-protection beneficiary", *CATEGORIES["social_protection"]),
        ("Emergency aid", *CATEGORIES["emergency"]),
    ]
    assert table[2][1] == "Was the deceased on a monthly social allowance or social pension (bảo trợ xã hội)?"
    assert table[3][2] == "Decree 20/2021/NĐ-CP, art. 14 (emergency aid: funeral support)."
    assert [a.get("href") for a in tree.xpath("//table[contains(@class, 'guide-categories')]//a")] == [
        guide_url(variant, category) for category in CATEGORIES
    ]


@pytest.mark.parametrize("category", list(CATEGORIES))
def test_each_funeral_category_has_its_own_guide_with_its_limit(client, category):
    for variant in (v for v in variants() if "funeral_allowance" in codes(v)):
        tree = page(client, guide_url(variant, category))
        amount, limit = CATEGORIES[category]
        funeral = next(row for row in rows(tree, "guide-table") if row[0].startswith("Funeral allowance"))
        assert funeral[1] == limit
        assert [(row[3], row[4]) for row in rows(tree, "guide-categories")] == [(amount, limit)]


def test_a_category_the_variant_does_not_pay_or_an_unknown_variant_is_not_found(client):
    without = next(v for v in variants() if v.kind == "death" and "funeral_allowance" not in codes(v))
    birth = BundleVariant.objects.filter(kind="birth")[0]
    for url in (
        guide_url(without, "merit"),
        guide_url(birth, "merit"),
        reverse("cases:guide", args=["death", birth.pk]),
        reverse("cases:guide", args=["marriage", birth.pk]),
        reverse("cases:guide", args=["birth", 999999]),
    ):
        assert client.get(url).status_code == 404, url


def test_a_changed_setting_row_changes_the_guide(client):
    variant = next(v for v in variants() if "funeral_allowance" in codes(v))
    Setting.objects.filter(key="limit.step.residence_deregistration").update(value=4)
    Setting.objects.filter(key="rate.social_assistance_level", valid_to=None).update(value=600_000)
    Setting.objects.filter(key="supplement.wait").update(value=5)
    Setting.objects.create(key="fee.death_registration", value=8_000, valid_from=datetime.date(2026, 1, 1))
    Setting.objects.filter(key="fee.death_registration", valid_from=datetime.date(2021, 1, 1)).update(
        valid_to=datetime.date(2025, 12, 31)
    )
    rules.clear_cache()

    tree = page(client, guide_url(variant))

    assert rows(tree, "guide-table")[:2] == [
        ["Death registration", "1 working day", "8.000 đồng"],
        ["Permanent residence deregistration", "4 working days", "free"],
    ]
    assert [row[3] for row in rows(tree, "guide-categories")] == [
        "23.400.000 đồng",
        "23.400.000 đồng",
        "12.000.000 đồng",
        "30.000.000 đồng",
    ]
    assert "you then have 5 working days to bring it" in tree.text_content()


def test_the_guide_is_one_a4_page_of_pdf_with_the_same_content(client):
    variant = next(v for v in variants() if len(codes(v)) == 4)
    client.cookies["django_language"] = "vi"
    with time_machine.travel(ON, tick=False):
        response = client.get(reverse("cases:guide-pdf", args=[variant.kind, variant.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert pdf_pages(response.content) == [A4_PORTRAIT]
    text = pdf_text(response.content)
    for name in DOCUMENTS[codes(variant)]:
        assert name in text, name
    for amount in ("23.400.000 đồng", "10.000.000 đồng", "25.000.000 đồng"):
        assert amount in text


def test_every_guide_pdf_is_one_a4_page(client):
    for variant in variants():
        urls = [reverse("cases:guide-pdf", args=[variant.kind, variant.pk])]
        if "funeral_allowance" in codes(variant):
            urls += [reverse("cases:guide-category-pdf", args=[variant.kind, variant.pk, c]) for c in CATEGORIES]
        for language in ("vi", "en"):
            client.cookies["django_language"] = language
            for url in urls:
                response = client.get(url)
                assert response.status_code == 200
                assert pdf_pages(response.content) == [A4_PORTRAIT], (url, language)


# --- the intake pages link to the guide of what is being filed ------------------------------------


def guide_links(html: str) -> list[str]:
    tree = lxml.html.fromstring(html)
    return [a.get("href") for a in tree.xpath("//p[@class='guide-links']/a")]


def test_the_desks_intake_links_each_variants_guide_and_its_review_the_guide_of_the_category_filed(client, make_user):
    from tests.cases.test_pages_clerk import DEATH_FORM

    client.force_login(make_user(UserRole.CLERK, commune="16690"))
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        for kind in ("birth", "death"):
            offered = BundleVariant.objects.filter(kind=kind).order_by("-pk")  # the form's order
            assert guide_links(client.get(f"/clerk/new/{kind}/").content.decode()) == [
                guide_url(variant) for variant in offered
            ]
        funeral = BundleVariant.objects.get(kind="death", name="Khai tử, xóa thường trú, mai táng phí")
        review = client.post(
            "/clerk/new/death/", {**DEATH_FORM, "variant": str(funeral.pk), "funeral-social_protection": "on"}
        )

    assert review.status_code == 200
    assert guide_links(review.content.decode()) == [guide_url(funeral, "social_protection")]


def test_the_citizens_filing_page_links_the_guides_and_its_review_the_guide_of_the_variant_filed(client):
    from tests.citizens.test_area import BIRTH_FORM, citizen_user, sign_in

    sign_in(client, citizen_user())
    card = BundleVariant.objects.get(kind="birth", name="Khai sinh, thẻ BHYT")
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        page = client.get("/citizen/file/birth/").content.decode()
        review = client.post("/citizen/file/birth/", {**BIRTH_FORM, "variant": str(card.pk)})

    assert guide_links(page) == [guide_url(v) for v in BundleVariant.objects.filter(kind="birth").order_by("-pk")]
    assert review.status_code == 200
    assert guide_links(review.content.decode()) == [guide_url(card)]


def test_the_guides_documents_are_the_names_the_scans_and_the_returns_are_filed_under(client, make_user):
    """The receipt prints each scan's document type and the request for missing documents the
    names ticked on the return form: both lists offer every name a guide tells the citizen to bring."""
    from cases.forms import ReturnForm

    for variant in variants():
        tree = page(client, guide_url(variant), "vi")
        listed = texts(tree, "//ol[@class='guide-documents']/li")
        returnable = [name for name, _shown in ReturnForm(variant.kind).fields["missing"].choices]  # type: ignore[attr-defined]
        scanned = list(kinds.get(variant.kind).documents)
        assert set(listed) <= set(returnable) and set(listed) <= set(scanned), variant
