package com.startyhook.app;

/** Lets tests in other packages wait for capture the way {@link HotReloadIT} does. */
public final class HotReloadITAccess {
    private HotReloadITAccess() {}

    public static void awaitCapturing(Connector connector, String... tables) {
        HotReloadIT.awaitCapturing(connector, tables);
    }
}
