package io.livewarehouse.support;

/**
 * Error messages as people and health checks get them: a warehouse error can quote a whole row, and a row can
 * hold megabytes. Long messages are cut in the middle, keeping how they start and how they end.
 */
public final class Messages {

    /** Characters kept of a message: enough for any error's explanation, far less than a large value. */
    public static final int LIMIT = 2000;

    private Messages() {
    }

    public static String shorten(String message) {
        if (message == null || message.length() <= LIMIT) {
            return message;
        }
        int half = LIMIT / 2;
        return message.substring(0, half) + " [... " + (message.length() - LIMIT) + " characters ...] "
                + message.substring(message.length() - half);
    }

    /** The message of an error, shortened. */
    public static String of(Throwable error) {
        return shorten(error.getMessage());
    }
}
