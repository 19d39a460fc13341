from mutua.lib.pages import page_of
from mutua.members.models import Network


def test_page_of_fetches_one_more_row_to_know_there_is_a_next_page(db: None) -> None:
    for i in range(7):
        Network.objects.create(name=f"Network {i}", slug=f"n{i}")
    networks = Network.objects.order_by("slug")
    first = page_of(networks, None, 3)
    assert [n.slug for n in first] == ["n0", "n1", "n2"]
    assert first.has_next and not first.has_previous
    last = page_of(networks, "3", 3)
    assert [n.slug for n in last] == ["n6"]
    assert last.has_previous and not last.has_next
    assert last.previous_page_number == 2


def test_page_of_reads_nonsense_page_numbers_as_the_first_page(db: None) -> None:
    Network.objects.create(name="Only", slug="only")
    for nonsense in ("abc", "-4", "0", ""):
        page = page_of(Network.objects.order_by("slug"), nonsense, 3)
        assert page.number == 1
        assert len(page) == 1
