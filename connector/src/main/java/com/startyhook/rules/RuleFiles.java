package com.startyhook.rules;

import com.startyhook.signing.Secrets;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * The rule files on disk. Every entry of {@code flows/} is accounted for: a regular file named
 * {@code *.json} (any case) is a flow; a {@code *.json} that cannot be one (a folder, a FIFO, a
 * device, an unreadable file) is an error; any other entry (a sub-folder, another name, a broken or
 * looping symbolic link) is a warning naming it. Nothing here opens anything but a regular file,
 * so a FIFO never blocks; files are read bounded and decoded strictly as UTF-8.
 */
public final class RuleFiles {
    private RuleFiles() {}

    /** The flow files to load, and what is wrong with the other entries of {@code flows/}. */
    record Listing(List<Path> flows, List<Problem> errors, List<Problem> warnings) {}

    static boolean isJsonName(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
    }

    static Listing list(Path flowsDirectory) {
        List<Path> flows = new ArrayList<>();
        List<Problem> errors = new ArrayList<>();
        List<Problem> warnings = new ArrayList<>();
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(flowsDirectory)) {
            s.forEach(entries::add);
        } catch (IOException | RuntimeException e) {
            errors.add(new Problem(flowsDirectory, "", "cannot list the flows directory (" + reason(e) + ")",
                    "check its permissions"));
            return new Listing(flows, errors, warnings);
        }
        entries.sort(null);
        for (Path entry : entries) {
            String kind = kind(entry);
            boolean json = isJsonName(entry);
            if (kind == null && json) {
                flows.add(entry);
            } else if (kind == BROKEN_LINK) {
                // not necessarily a mistake: an editor's lock file (emacs' .#name.json) or a deployment mid-swap
                warnings.add(new Problem(entry, "", "not loaded: it is " + kind,
                        "point it to an existing flow file, or remove it"));
            } else if (json) {
                errors.add(new Problem(entry, "", "not loaded: it is " + kind + ", not a file",
                        "a flow is a regular .json file in flows/: replace it by one, or remove or rename it"));
            } else if ("a folder".equals(kind)) {
                warnings.add(new Problem(entry, "", "sub-folder not read: flows are only loaded from flows/ itself",
                        "move its flows into flows/, or the folder out of the rules directory"));
            } else {
                warnings.add(new Problem(entry, "", "not loaded: " + (kind != null ? "it is " + kind
                        : "only files named *.json are flows"), "name a flow file *.json, or move this out of flows/"));
            }
        }
        return new Listing(flows, errors, warnings);
    }

    private static final String BROKEN_LINK = "a broken symbolic link (its target is missing or it loops)";

    /** Null for a readable regular file (or a symbolic link to one); else what it is, for messages. */
    private static String kind(Path entry) {
        BasicFileAttributes target;
        try {
            target = Files.readAttributes(entry, BasicFileAttributes.class);
        } catch (IOException e) {
            return Files.isSymbolicLink(entry) ? BROKEN_LINK : "unreadable (" + reason(e) + ")";
        }
        if (target.isDirectory()) {
            return "a folder";
        }
        if (!target.isRegularFile()) {
            return "a FIFO, device or socket";
        }
        if (!Files.isReadable(entry)) {
            return "a file it may not read (permission denied)";
        }
        return null;
    }

    /** Reads one rule file: bounded, strictly UTF-8; or null after reporting why not. */
    static String read(FileProblems problems) {
        Path file = problems.file();
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return missing(problems);
        } catch (IOException e) {
            if (Files.isSymbolicLink(file)) {
                problems.add("", "the file is a broken symbolic link (its target is missing or it loops)",
                        "point it to an existing file, or replace it by the file");
                return null;
            }
            return missing(problems);
        }
        if (!a.isRegularFile()) {
            problems.add("", "not a regular file (it is " + (a.isDirectory() ? "a folder" : "a FIFO, device or socket") + ")",
                    "replace it by a regular JSON file");
            return null;
        }
        if (a.size() > Limits.FILE_BYTES) {
            return tooLarge(problems, a.size());
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(Limits.FILE_BYTES + 1);
        } catch (IOException e) {
            problems.add("", "cannot read the file (" + reason(e) + ")", "check that it exists and is readable");
            return null;
        }
        if (bytes.length > Limits.FILE_BYTES) {
            return tooLarge(problems, bytes.length);
        }
        return decode(bytes, problems);
    }

    private static String missing(FileProblems problems) {
        problems.add("", "the file does not exist", problems.file().getFileName().toString().equals(RulesLoader.ENTITIES_FILE)
                ? "create it: {\"entities\": {\"customer\": {\"table\": \"erp.customer\", \"key\": [\"id\"]}}}" : "create it");
        return null;
    }

    private static String tooLarge(FileProblems problems, long size) {
        problems.add("", "the file has " + (size > Limits.FILE_BYTES ? "more than " : "") + Limits.FILE_BYTES / 1024
                + " KiB, the most a rule file may have", "a rule file is small: check what was written into it");
        return null;
    }

    /**
     * UTF-8 only: a UTF-8 byte order mark is skipped; UTF-16 and UTF-32 are refused (by their byte
     * order mark, or by the NUL bytes of ASCII JSON in them); malformed and overlong sequences are
     * refused with their byte offset and line.
     */
    static String decode(byte[] bytes, FileProblems problems) {
        int start = 0;
        if (bytes.length >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB && (bytes[2] & 0xff) == 0xBF) {
            start = 3;
        } else if (bytes.length >= 2 && (((bytes[0] & 0xff) == 0xFE && (bytes[1] & 0xff) == 0xFF)
                || ((bytes[0] & 0xff) == 0xFF && (bytes[1] & 0xff) == 0xFE))
                || (bytes.length >= 2 && (bytes[0] == 0 || bytes[1] == 0))) {
            problems.add("", "the file is encoded as UTF-16 or UTF-32; rule files are UTF-8",
                    "save it as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)");
            return null;
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, start, bytes.length - start);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) {
            r = decoder.flush(out);
        }
        if (r.isError()) {
            int at = in.position();
            int line = 1;
            for (int i = 0; i < at; i++) {
                if (bytes[i] == '\n') {
                    line++;
                }
            }
            problems.add("", "not valid UTF-8 at byte " + at + " (line " + line + "): a malformed or overlong byte sequence",
                    "save the file as UTF-8 and retype the text there");
            return null;
        }
        out.flip();
        return out.toString();
    }

    /**
     * A hash of what {@link RulesLoader#load} would read: entities.json and each entry of
     * {@code flows/} by name and kind, regular files with their (bounded) content. Opens only
     * regular files, so a FIFO appearing in flows/ cannot block the reload.
     */
    public static String fingerprint(Path directory) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        List<Path> entries = new ArrayList<>();
        entries.add(directory.resolve(RulesLoader.ENTITIES_FILE));
        try (DirectoryStream<Path> s = Files.newDirectoryStream(directory.resolve(RulesLoader.FLOWS_DIRECTORY))) {
            List<Path> flows = new ArrayList<>();
            s.forEach(flows::add);
            flows.sort(null);
            entries.addAll(flows);
        } catch (IOException | RuntimeException e) {
            md.update(("flows unreadable: " + reason(e)).getBytes(StandardCharsets.UTF_8));
        }
        for (Path entry : entries) {
            md.update(entry.toString().getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            String kind = kind(entry);
            md.update(String.valueOf(kind).getBytes(StandardCharsets.UTF_8));
            if (kind == null) {
                try (InputStream in = Files.newInputStream(entry)) {
                    md.update(in.readNBytes(Limits.FILE_BYTES + 1));
                } catch (IOException e) {
                    md.update(("unreadable: " + reason(e)).getBytes(StandardCharsets.UTF_8));
                }
            }
            md.update((byte) 0);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** An I/O failure (or a listing's unchecked one) in words, without the exception's class name. */
    static String reason(Exception e) {
        if (e instanceof IOException io) {
            return Secrets.reason(io);
        }
        return e.getMessage() == null ? "an I/O error" : e.getMessage();
    }
}
