// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.locks.StampedLock;

/**
 * Owns one native handle (a {@code long} address) for a public wrapper.
 *
 * <p>Calls {@linkplain #call run} under a read lock, so any number of threads use the handle at
 * once; {@link #close()} takes the write lock, so it waits for running calls, frees the handle
 * exactly once, and makes later calls throw {@link IllegalStateException}: a closed handle never
 * reaches native code. The lock is a {@link StampedLock}: its read lock is one atomic update
 * each way, without the per-thread hold counts of {@code ReentrantReadWriteLock}, which matters
 * for a cached {@code token()} called from many threads (the depth below adds one thread-local
 * look-up).
 *
 * <p>Calls nest: native code logs on the calling thread, and a {@code java.util.logging} handler
 * may call sfjwt again (a handler that ships warnings with the job's client). A StampedLock
 * reader queues behind a waiting writer, so a nested {@code readLock()} would wait for a
 * {@code close()} from another thread that itself waits for the outer call: a deadlock. A call
 * made inside another on the same thread therefore takes the read lock with
 * {@code tryReadLock()}, which does not queue: for the handle of the outer call it always
 * succeeds (that call's read lock keeps writers out), and for another handle it fails only
 * while that handle is being freed, which then counts as closed. A per-thread depth counter
 * (one for all handles, holding only an {@code int[]}, so it pins no class loader) tells the
 * two apart; top-level calls still queue behind a waiting {@code close()}, so that it is not
 * starved. A handler must not close the client whose call it runs in.
 *
 * <p>Backstop: a wrapper that is never closed is freed after the garbage collector finds it
 * unreachable. {@code java.lang.ref.Cleaner} is Java 9+, so this uses a
 * {@link PhantomReference} per wrapper; its queue is drained whenever a handle is created or
 * closed, on the caller's thread — no background thread, so nothing outlives a redeployed
 * application's class loader. The backstop holds this object, never the wrapper, and frees
 * under the same write lock, so even a wrapper that becomes unreachable while one of its calls
 * runs is freed only after that call returns. Always close clients; the backstop only bounds
 * the leak.
 */
final class NativeHandle implements AutoCloseable {
    /** Frees a native handle. */
    public interface Free {
        /**
         * Frees {@code handle}.
         *
         * @param handle a live handle, never 0
         */
        void free(long handle);
    }

    /**
     * A native call that uses a handle.
     *
     * @param <T> its result
     * @param <E> the checked exception it may throw
     */
    public interface Call<T, E extends Exception> {
        /**
         * Runs the call.
         *
         * @param handle the live handle
         * @return the result
         * @throws E the call's failure
         */
        T apply(long handle) throws E;
    }

    private static final ReferenceQueue<Object> QUEUE = new ReferenceQueue<Object>();
    /** Keeps the backstops reachable until they run or their handle is closed. */
    private static final Set<Backstop> BACKSTOPS =
            Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<Backstop, Boolean>()));

    /** How many {@link #call}s of any handle the thread is inside: above 0, a call is nested. */
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private final StampedLock lock = new StampedLock();
    private final Free free;
    private final String what;
    /** Guarded by {@link #lock}; 0 once closed. */
    private long handle;
    private Backstop backstop;

    private NativeHandle(long handle, Free free, String what) {
        this.handle = handle;
        this.free = free;
        this.what = what;
    }

    /**
     * Takes ownership of {@code handle} for {@code owner}.
     *
     * @param owner the public wrapper; when it becomes unreachable unclosed, the handle is freed
     * @param handle a live handle, not 0
     * @param free how to free it
     * @param what the owner's kind, for messages ({@code "SalesforceJwtClient"})
     * @return the handle's owner object
     */
    public static NativeHandle register(Object owner, long handle, Free free, String what) {
        if (handle == 0) {
            throw new IllegalArgumentException("null native handle for " + what);
        }
        drainBackstops();
        NativeHandle nativeHandle = new NativeHandle(handle, free, what);
        Backstop backstop = new Backstop(owner, nativeHandle);
        nativeHandle.backstop = backstop;
        BACKSTOPS.add(backstop);
        return nativeHandle;
    }

    /**
     * Runs {@code call} with the live handle.
     *
     * @param call the native call
     * @param <T> its result
     * @param <E> its checked exception
     * @return the call's result
     * @throws E the call's failure
     * @throws IllegalStateException when the handle is closed
     */
    public <T, E extends Exception> T call(Call<T, E> call) throws E {
        int[] depth = DEPTH.get();
        long stamp = readLock(depth);
        if (stamp == 0) {
            throw new IllegalStateException(what + " is closed");
        }
        depth[0]++;
        try {
            if (handle == 0) {
                throw new IllegalStateException(what + " is closed");
            }
            return call.apply(handle);
        } finally {
            depth[0]--;
            lock.unlockRead(stamp);
        }
    }

    /**
     * Whether {@link #close()} ran.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        long stamp = readLock(DEPTH.get());
        if (stamp == 0) {
            return true;
        }
        try {
            return handle == 0;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** The read lock, queued at the top level, not queued when nested (0: being freed). */
    private long readLock(int[] depth) {
        return depth[0] == 0 ? lock.readLock() : lock.tryReadLock();
    }

    /** Waits for running calls, then frees the handle; later calls are no-ops. */
    @Override
    public void close() {
        release();
        Backstop mine;
        synchronized (this) {
            mine = backstop;
            backstop = null;
        }
        if (mine != null) {
            BACKSTOPS.remove(mine);
            mine.clear();
        }
        drainBackstops();
    }

    private void release() {
        long stamp = lock.writeLock();
        try {
            if (handle != 0) {
                long live = handle;
                handle = 0;
                free.free(live);
            }
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * For tests and diagnostics: frees the handles of collected wrappers, then counts the
     * handles neither closed nor collected.
     *
     * @return the number of live, unclosed handles
     */
    public static int registered() {
        drainBackstops();
        return BACKSTOPS.size();
    }

    /**
     * Frees the handles of wrappers that were collected without being closed. Not inside a call
     * (a log handler that creates a client): the collected wrapper may be the one whose call
     * runs, and its write lock would wait for this thread. The next top-level drain frees it.
     */
    private static void drainBackstops() {
        if (DEPTH.get()[0] > 0) {
            return;
        }
        Reference<?> reference;
        while ((reference = QUEUE.poll()) != null) {
            Backstop backstop = (Backstop) reference;
            BACKSTOPS.remove(backstop);
            backstop.handle.release();
        }
    }

    /** Enqueued when its wrapper is only phantom reachable; holds the handle, not the wrapper. */
    private static final class Backstop extends PhantomReference<Object> {
        final NativeHandle handle;

        Backstop(Object owner, NativeHandle handle) {
            super(owner, QUEUE);
            this.handle = handle;
        }
    }
}
