"""Which persons must be audited together: persons linked by a shared claim key, a replaced claim
or an encounter (see ``telekit._scale._partitioned``), found on 64-bit hashes of the coerced
keys; ``Links`` says which bucket a person or a person-less encounter goes to."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from telekit._core import _columns as c

_KEYS: dict[str, tuple[str, ...]] = {
    "claims": (
        c.PERSON_ID,
        c.CLAIM_ID,
        c.ENCOUNTER_ID,
        c.ORIGINAL_CLAIM_ID,
        c.CLAIM_FREQUENCY_CODE,
    ),
    "encounters": (c.PERSON_ID, c.ENCOUNTER_ID),
    "coverage": (c.PERSON_ID,),
    "remittances": (c.REMIT_ID,),  # the first column of its duplicate key (tally_remittances)
}
_HP, _HC, _HE, _HO = "__hp", "__hc", "__he", "__ho"


def _h(name: str) -> pl.Expr:
    return pl.when(pl.col(name).is_not_null()).then(pl.col(name).hash(seed=0))


def _claim_hashes(keys: pl.LazyFrame) -> pl.LazyFrame:
    replacing = pl.col(c.CLAIM_FREQUENCY_CODE).is_in(["7", "8"]).fill_null(value=False)
    return keys.select(
        _h(c.PERSON_ID).alias(_HP),
        _h(c.CLAIM_ID).alias(_HC),
        _h(c.ENCOUNTER_ID).alias(_HE),
        pl.when(replacing).then(_h(c.ORIGINAL_CLAIM_ID)).alias(_HO),
    )


def _group_edges(pairs: pl.LazyFrame, key: str) -> pl.DataFrame:
    """Edges (a, b): each person of a ``key`` group holding more than one person, and the
    group's smallest person. One streaming aggregation (min and max person per key) finds the
    groups; only when some exist is the input joined back to them."""
    valid = pairs.filter(pl.col(key).is_not_null() & pl.col(_HP).is_not_null())
    multi = (
        valid.group_by(key)
        .agg(pl.col(_HP).min().alias("b"), pl.col(_HP).max().alias("_max"))
        .filter(pl.col("b") != pl.col("_max"))
        .select(key, "b")
        .collect(engine="streaming")
    )
    if not multi.height:
        return pl.DataFrame(schema={"a": pl.UInt64, "b": pl.UInt64})
    return (
        valid.join(multi.lazy(), on=key, how="inner")
        .select(pl.col(_HP).alias("a"), "b")
        .filter(pl.col("a") != pl.col("b"))
        .unique()
        .collect(engine="streaming")
    )


def components(edges: pl.DataFrame) -> pl.DataFrame:
    """``node`` → ``root`` (the smallest node of its connected component) for every node of an
    edge list (a, b); label propagation with pointer jumping, whole-frame joins per round."""
    both = pl.concat(
        [edges.select("a", "b"), edges.select(pl.col("b").alias("a"), pl.col("a").alias("b"))]
    ).unique()
    labels = both.select(pl.col("a").alias("node")).unique().with_columns(root=pl.col("node"))
    while True:
        neighbour = (
            both.join(labels, left_on="b", right_on="node", how="inner")
            .group_by("a")
            .agg(pl.col("root").min().alias("_nb"))
        )
        step = labels.join(neighbour, left_on="node", right_on="a", how="left").select(
            "node", pl.min_horizontal("root", "_nb").alias("root")
        )
        jumped = step.join(
            step.select(pl.col("node").alias("root"), pl.col("root").alias("_rr")),
            on="root",
            how="left",
        ).select("node", pl.min_horizontal("root", "_rr").alias("root"))
        if jumped.sort("node").equals(labels.sort("node")):
            return jumped
        labels = jumped


@dataclass(frozen=True)
class Links:
    """Where a row goes: persons linked to a root (hashes), owners of person-less encounters."""

    roots: pl.DataFrame  # node, root (UInt64), only where they differ
    owners: pl.DataFrame  # __he, owner (UInt64): the root of the lines pointing at it
    buckets: int

    def person_bucket(self, hp: pl.Expr) -> pl.Expr:
        root = hp
        if self.roots.height:
            root = hp.replace(self.roots.get_column("node"), self.roots.get_column("root"))
        return (root % self.buckets).fill_null(0).cast(pl.UInt32)

    def encounter_bucket(self, hp: pl.Expr, he: pl.Expr) -> pl.Expr:
        owner = pl.lit(None, pl.UInt64)
        if self.owners.height:
            owner = he.replace_strict(
                self.owners.get_column(_HE),
                self.owners.get_column("owner"),
                default=None,
                return_dtype=pl.UInt64,
            )
        return self.person_bucket(pl.coalesce(hp, owner))


def _links(claims: pl.DataFrame, encounters: pl.DataFrame | None, buckets: int) -> Links:
    """``claims``: __hp, __hc, __he, __ho per line; ``encounters``: __hp, __he per row."""
    edges = [_group_edges(claims.lazy().select(_HC, _HP), _HC)]
    replacing = claims.filter(pl.col(_HO).is_not_null()).select(_HO, pl.col(_HP).alias("a"))
    if replacing.height:
        originals = (
            claims.select(_HC, _HP)
            .join(replacing.select(pl.col(_HO).alias(_HC)).unique(), on=_HC, how="semi")
            .unique()
        )
        edges.append(
            replacing.join(originals, left_on=_HO, right_on=_HC, how="inner")
            .select("a", pl.col(_HP).alias("b"))
            .filter(pl.col("a").is_not_null() & pl.col("b").is_not_null())
            .filter(pl.col("a") != pl.col("b"))
        )
    owners = pl.DataFrame(schema={_HE: pl.UInt64, "owner": pl.UInt64})
    line_refs = claims.select(_HE, _HP).filter(pl.col(_HE).is_not_null())
    if encounters is not None:
        pairs = pl.concat([line_refs.lazy(), encounters.lazy().select(_HE, _HP)])
        edges.append(_group_edges(pairs, _HE))
        orphans = encounters.filter(pl.col(_HP).is_null() & pl.col(_HE).is_not_null())
        if orphans.height:
            owners = (
                line_refs.join(orphans.select(_HE).unique(), on=_HE, how="semi")
                .filter(pl.col(_HP).is_not_null())
                .group_by(_HE)
                .agg(pl.col(_HP).min().alias("owner"))
            )
    all_edges = pl.concat(edges).unique()
    roots = pl.DataFrame(schema={"node": pl.UInt64, "root": pl.UInt64})
    if all_edges.height:
        roots = components(all_edges).filter(pl.col("node") != pl.col("root"))
    if owners.height and roots.height:
        owners = owners.with_columns(
            pl.col("owner").replace(roots.get_column("node"), roots.get_column("root"))
        )
    return Links(roots=roots, owners=owners, buckets=buckets)
