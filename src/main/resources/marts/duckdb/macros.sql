-- The expressions DuckDB writes its own way, called from models as {{ name(arguments) }}; $1, $2 stand for
-- the arguments. Snowflake's file defines the same names.

-- A string of the values joined by a separator, in order of the values.
-- name: string_agg_ordered
string_agg($1, $2 order by $1)

-- Calendar days from the first timestamp to the second (midnights crossed), NULL when either is NULL.
-- name: days_between
datediff('day', $1, $2)
