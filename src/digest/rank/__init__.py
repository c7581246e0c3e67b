"""The learned key point ranker: sentence splitting and lemmas (:mod:`.text`), features
that carry across languages (:mod:`.features`), the shipped model (:mod:`.model`: a linear
sentence scorer and a linear candidate model, as JSON), the choice of the best single
sentence or pair among the best-scored ones (:mod:`.choose`) and its training
(:mod:`.train`, run by ``make train``; it needs scikit-learn). :mod:`digest.summarise` is
the public face.
"""
