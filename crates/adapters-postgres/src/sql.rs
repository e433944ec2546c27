//! [`Sql`]: a query assembled from fixed SQL fragments and bound values, which diesel may keep as a
//! prepared statement.
//!
//! `diesel::sql_query` marks every query unsafe to cache, so each execution is parsed and planned
//! again: about 0.2 ms to parse and 0.3–0.7 ms to plan the organization and contacts queries, more
//! than running them. A [`Sql`] does not: diesel's per-connection statement cache keys it by its SQL
//! text and bind types, so a query of the same shape is parsed once per connection and PostgreSQL may
//! reuse its plan. User input only ever travels as a bound value; the text is built from fixed fragments
//! (see ADR 0013).

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Bool, Text, Untyped};
use std::marker::PhantomData;

/// One bound value.
#[derive(Debug, Clone)]
enum Param {
    Text(String),
    Texts(Vec<String>),
    Bool(bool),
    BigInt(i64),
    Uuid(uuid::Uuid),
    Uuids(Vec<uuid::Uuid>),
}

/// A piece of the query: fixed SQL or a placeholder for a bound value.
#[derive(Debug, Clone)]
enum Piece {
    Sql(String),
    Param(Param),
}

/// A query under construction: fixed SQL fragments interleaved with bound values, each value written
/// as the next `$n` placeholder by diesel.
#[derive(Debug, Clone, Default)]
#[must_use]
pub(crate) struct Sql {
    pieces: Vec<Piece>,
}

impl Sql {
    /// Starts a query with the fixed SQL `text`.
    pub(crate) fn new(text: &str) -> Self {
        Self::default().push(text)
    }

    /// Appends fixed SQL (never user input).
    pub(crate) fn push(mut self, text: &str) -> Self {
        if text.is_empty() {
            return self;
        }
        if let Some(Piece::Sql(last)) = self.pieces.last_mut() {
            last.push_str(text);
        } else {
            self.pieces.push(Piece::Sql(text.to_owned()));
        }
        self
    }

    fn bind(mut self, param: Param) -> Self {
        self.pieces.push(Piece::Param(param));
        self
    }

    /// Appends a `text` parameter.
    pub(crate) fn text(self, value: impl Into<String>) -> Self {
        self.bind(Param::Text(value.into()))
    }

    /// Appends a `text[]` parameter.
    pub(crate) fn texts(self, values: Vec<String>) -> Self {
        self.bind(Param::Texts(values))
    }

    /// Appends a `boolean` parameter.
    pub(crate) fn boolean(self, value: bool) -> Self {
        self.bind(Param::Bool(value))
    }

    /// Appends a `bigint` parameter.
    pub(crate) fn bigint(self, value: i64) -> Self {
        self.bind(Param::BigInt(value))
    }

    /// Appends a `uuid` parameter.
    pub(crate) fn uuid(self, value: uuid::Uuid) -> Self {
        self.bind(Param::Uuid(value))
    }

    /// Appends a `uuid[]` parameter.
    pub(crate) fn uuids(self, values: Vec<uuid::Uuid>) -> Self {
        self.bind(Param::Uuids(values))
    }

    /// The finished query (kept for readability at call sites: the builder is the query).
    pub(crate) fn build(self) -> Self {
        self
    }

    /// The finished query, whose columns have the SQL types `ST` in order: rows are then read by
    /// position (`Queryable`) instead of by column name (`QueryableByName`), which looks every field
    /// up among the row's columns by comparing names — a measurable share of a contacts page's CPU.
    pub(crate) fn typed<ST>(self) -> Typed<ST> {
        Typed {
            sql: self,
            types: PhantomData,
        }
    }

    /// The SQL text with `$n` placeholders, as PostgreSQL receives it (for tests and plans).
    #[cfg(test)]
    pub(crate) fn text_for_tests(&self) -> String {
        diesel::debug_query::<Pg, _>(self)
            .to_string()
            .split(" -- binds:")
            .next()
            .unwrap_or_default()
            .to_owned()
    }
}

impl QueryFragment<Pg> for Sql {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        // Deliberately no `unsafe_to_cache_prepared()`: the statement cache keys a query without a
        // static id by its SQL text and bind types, and both are fixed by the fragments pushed.
        for piece in &self.pieces {
            match piece {
                Piece::Sql(text) => out.push_sql(text),
                Piece::Param(Param::Text(v)) => out.push_bind_param::<Text, _>(v)?,
                Piece::Param(Param::Texts(v)) => out.push_bind_param::<Array<Text>, _>(v)?,
                Piece::Param(Param::Bool(v)) => out.push_bind_param::<Bool, _>(v)?,
                Piece::Param(Param::BigInt(v)) => out.push_bind_param::<BigInt, _>(v)?,
                Piece::Param(Param::Uuid(v)) => {
                    out.push_bind_param::<diesel::sql_types::Uuid, _>(v)?
                }
                Piece::Param(Param::Uuids(v)) => {
                    out.push_bind_param::<Array<diesel::sql_types::Uuid>, _>(v)?
                }
            }
        }
        Ok(())
    }
}

/// A [`Sql`] whose result columns have the SQL types `ST` (see [`Sql::typed`]).
#[must_use]
pub(crate) struct Typed<ST> {
    sql: Sql,
    types: PhantomData<ST>,
}

impl<ST> QueryFragment<Pg> for Typed<ST> {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.sql.walk_ast(out)
    }
}

impl<ST> QueryId for Typed<ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<ST: 'static> Query for Typed<ST> {
    type SqlType = ST;
}

impl QueryId for Sql {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Sql {
    type SqlType = Untyped;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let sql = Sql::new("SELECT 1 WHERE a = ")
            .text("x")
            .push(" AND b = ANY(")
            .texts(vec!["y".into()])
            .push(") AND c = ")
            .uuid(uuid::Uuid::nil());
        assert_eq!(
            sql.text_for_tests(),
            "SELECT 1 WHERE a = $1 AND b = ANY($2) AND c = $3"
        );
    }

    #[test]
    fn the_query_is_safe_to_cache() {
        let sql = Sql::new("SELECT ").bigint(1);
        assert!(QueryFragment::<Pg>::is_safe_to_cache_prepared(&sql, &Pg).unwrap_or(false));
    }
}
