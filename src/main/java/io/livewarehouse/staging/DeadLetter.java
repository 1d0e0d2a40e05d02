package io.livewarehouse.staging;

import java.time.OffsetDateTime;

/** An event that could not be converted or written, kept with what is needed to find and replay it. */
public record DeadLetter(String table, String keyJson, Long lsn, String payloadJson, String error, OffsetDateTime failedAt) {
}
