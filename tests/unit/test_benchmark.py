"""The speed benchmark's own arithmetic (its timings are not tested: the machines are shared and noisy)."""

from __future__ import annotations

from benchmarks.speed import make_articles, median_run, table
from tests.conftest import FIXTURES


def test_articles_have_exactly_the_words_asked_for_even_beyond_the_data():
    words_in_data = sum(len(line.split()) for line in (FIXTURES / "articles.jsonl").read_text().splitlines())
    articles = make_articles(str(FIXTURES / "articles.jsonl"), words=50, count=3)
    assert [len(a.split()) for a in articles] == [50, 50, 50]
    (long,) = make_articles(str(FIXTURES / "articles.jsonl"), words=3 * words_in_data, count=1)
    assert len(long.split()) == 3 * words_in_data  # read again from the start when the articles run out


def test_table_compares_only_like_with_like():
    def row(system, batch, words, speed):
        return {"system": system, "batch": batch, "words": words, "words_per_second": speed,
                "articles_per_second": 1.0, "first_result_seconds": 2.0, "peak_rss_mb": 500.0}

    roof = {"flops_per_token": 2e7, "tokens_per_word": 1.3, "matmul_gflops": 100.0, "words_per_second": 4000.0}
    rows = [row("pipeline", 1, 600, 1000.0), row("extract", 1, 600, 2000.0), row("extract, long", 1, 9000, 3000.0)]
    lines = table(rows, roof).splitlines()
    assert lines[3] == "| extract | 1 | 2,000 | 1.00 | 2.00 | 50 | 2.0 | 500 |"
    assert lines[4] == "| extract, long | 1 | 3,000 | 1.00 |  | 75 | 2.0 | 500 |"  # other articles: no ratio
    assert "= 4,000 words/s" in lines[-1]


def test_median_run_is_a_real_run_and_keeps_them_all():
    runs = [{"words_per_second": speed, "peak_rss_mb": mb} for speed, mb in ((900.0, 1), (1500.0, 2), (1200.0, 3))]
    assert median_run(runs) == {"words_per_second": 1200.0, "peak_rss_mb": 3,
                                "words_per_second_runs": [900.0, 1500.0, 1200.0]}
    assert median_run(runs[:2])["words_per_second"] == 900.0  # even: the slower middle one
