package com.startyhook.rules;

/**
 * One condition on the new row; all of a flow's criteria must hold.
 *
 * @param value a String, BigDecimal, Boolean, null, or for {@code in}/{@code not_in} a List of those
 */
public record Criterion(String property, Operator operator, Object value) {

    public enum Operator {
        EQ("eq"), NE("ne"), GT("gt"), GTE("gte"), LT("lt"), LTE("lte"), IN("in"), NOT_IN("not_in"),
        IS_NULL("is_null"), NOT_NULL("not_null");

        private final String wireName;

        Operator(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        public boolean takesValue() {
            return this != IS_NULL && this != NOT_NULL;
        }

        public static Operator fromWireName(String name) {
            for (Operator o : values()) {
                if (o.wireName.equals(name)) {
                    return o;
                }
            }
            return null;
        }
    }
}
