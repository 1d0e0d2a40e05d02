package io.livewarehouse.capture;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Passes COPY's CSV output through and notes its longest record (quoted line breaks included), which the
 * warehouse's CSV reader must be told when it exceeds its default (DuckDB: 2 MB): a row with a value of several
 * MB is a row like any other.
 */
final class CsvRecordLengths extends FilterOutputStream {

    private boolean quoted;
    private long current;
    private long longest;

    CsvRecordLengths(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        note((byte) b);
        out.write(b);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        for (int i = offset; i < offset + length; i++) {
            note(bytes[i]);
        }
        out.write(bytes, offset, length);
    }

    private void note(byte b) {
        // A doubled quote inside a quoted value toggles twice: still inside.
        if (b == '"') {
            quoted = !quoted;
        } else if (b == '\n' && !quoted) {
            longest = Math.max(longest, current + 1);
            current = 0;
            return;
        }
        current++;
    }

    /** The longest record written so far, in bytes, its line break included. */
    long longest() {
        return Math.max(longest, current);
    }
}
