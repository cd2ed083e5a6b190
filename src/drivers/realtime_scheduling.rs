//! Asking the system to schedule the thread that runs blocks as a realtime thread
//! (`SCHED_FIFO`), so that other work on the machine cannot delay a block.
//!
//! Context: the audio thread, once, before its first block (a system call or two, never
//! inside a block).

/// The `SCHED_FIFO` priority asked for: above ordinary threads and most of a desktop's
/// audio clients, below JACK's own (which runs at up to 89 by default with `-R -P 89`).
pub const REALTIME_PRIORITY: i32 = 70;

/// Makes the calling thread a `SCHED_FIFO` thread at [`REALTIME_PRIORITY`] (or the
/// highest priority `RLIMIT_RTPRIO` allows, when lower), unless it already is one (a JACK
/// client thread). Returns the priority it runs at.
///
/// # Errors
/// The system refuses (no `CAP_SYS_NICE` and an `RLIMIT_RTPRIO` of 0, as for most users
/// without an `audio` group limit), or has no such scheduling.
pub fn request_realtime() -> std::io::Result<i32> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        // SAFETY: plain calls on the calling thread, with a valid `sched_param`.
        unsafe {
            let thread = libc::pthread_self();
            let mut policy = 0;
            let mut param: libc::sched_param = std::mem::zeroed();
            if libc::pthread_getschedparam(thread, &mut policy, &mut param) == 0
                && (policy == libc::SCHED_FIFO || policy == libc::SCHED_RR)
            {
                return Ok(param.sched_priority);
            }
            let mut limit: libc::rlimit = std::mem::zeroed();
            let allowed = if libc::geteuid() == 0 || libc::getrlimit(libc::RLIMIT_RTPRIO, &mut limit) != 0 {
                REALTIME_PRIORITY
            } else {
                (limit.rlim_cur.min(REALTIME_PRIORITY as libc::rlim_t)) as i32
            };
            let priority = allowed.min(libc::sched_get_priority_max(libc::SCHED_FIFO)).max(1);
            param.sched_priority = priority;
            match libc::pthread_setschedparam(thread, libc::SCHED_FIFO, &param) {
                0 => Ok(priority),
                e => Err(std::io::Error::from_raw_os_error(e)),
            }
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}
