package com.startyhook.delivery;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.hc.client5.http.async.methods.AbstractBinResponseConsumer;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpResponse;

/**
 * Reads a receiver's answer: status, the headers that matter to retries, and at most
 * {@code limit} bytes of the body for the attempt log; the rest is read and dropped so that the
 * connection stays reusable.
 */
final class ExcerptConsumer extends AbstractBinResponseConsumer<ExcerptConsumer.Answer> {

    record Answer(int status, String retryAfter, String location, String excerpt) {}

    private final int limit;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private int status;
    private String retryAfter;
    private String location;

    ExcerptConsumer(int limit) {
        this.limit = limit;
    }

    @Override
    protected void start(HttpResponse response, ContentType contentType) {
        status = response.getCode();
        retryAfter = value(response.getFirstHeader("Retry-After"));
        location = value(response.getFirstHeader("Location"));
    }

    private static String value(Header h) {
        return h == null ? null : h.getValue();
    }

    @Override
    protected int capacityIncrement() {
        return 64 * 1024;
    }

    @Override
    protected void data(ByteBuffer src, boolean endOfStream) {
        int room = limit - kept.size();
        int take = Math.min(room, src.remaining());
        if (take > 0) {
            byte[] chunk = new byte[take];
            src.get(chunk);
            kept.write(chunk, 0, take);
        }
        src.position(src.limit());
    }

    @Override
    protected Answer buildResult() {
        return new Answer(status, retryAfter, location, excerpt(kept.toByteArray()));
    }

    /** UTF-8 text of at most the kept bytes; NUL characters (refused by PostgreSQL text) dropped. */
    static String excerpt(byte[] bytes) {
        if (bytes.length == 0) {
            return null;
        }
        return new String(bytes, StandardCharsets.UTF_8).replace("\u0000", "");
    }

    @Override
    public void releaseResources() {
        // nothing held beyond the small buffer
    }
}
