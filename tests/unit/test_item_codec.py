"""The item codec writes exactly what boto3's TypeSerializer would: items written before and after it
read the same, and a condition comparing a stored value with one written now compares like with like."""

from boto3.dynamodb.types import TypeSerializer
from hypothesis import given
from hypothesis import strategies as st

from fastrefund.repositories import dynamo

# What item_of makes of a model: JSON values (model_dump(mode="json"), whole numbers only).
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(min_size=1, max_size=8), json_values, max_size=8))
def test_an_item_is_written_as_typeserializer_writes_it_and_reads_back(item):
    serializer = TypeSerializer()

    encoded = dynamo.encode(item)

    assert encoded == {key: serializer.serialize(value) for key, value in item.items() if value is not None}
    assert dynamo.decode(encoded) == {key: value for key, value in item.items() if value is not None}


@given(json_values)
def test_an_expression_value_is_written_as_typeserializer_writes_it(value):
    assert dynamo.values(value=value) == {":value": TypeSerializer().serialize(value)}
