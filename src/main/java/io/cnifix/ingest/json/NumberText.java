package io.cnifix.ingest.json;

/** A JSON number kept as its source text, so that 8080 and "8080" read the same way. */
final class NumberText extends Number {
    private final String text;

    NumberText(String text) {
        this.text = text;
    }

    @Override
    public int intValue() {
        return (int) doubleValue();
    }

    @Override
    public long longValue() {
        return (long) doubleValue();
    }

    @Override
    public float floatValue() {
        return (float) doubleValue();
    }

    @Override
    public double doubleValue() {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
