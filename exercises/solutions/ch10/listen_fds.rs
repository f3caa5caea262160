//! Exercise 10.2, a reference solution: reading systemd's socket-activation variables.

/// What a server should do with the variables systemd sets when it hands over sockets.
#[derive(Debug, PartialEq, Eq)]
pub enum Activation {
    NotForMe,
    UseFd3,
    Refuse(String),
}

/// Decides from `LISTEN_PID` and `LISTEN_FDS` what a one-socket server with `my_pid` does.
pub fn activation(listen_pid: Option<&str>, listen_fds: Option<&str>, my_pid: u32) -> Activation {
    let (Some(pid), Some(fds)) = (listen_pid, listen_fds) else {
        return Activation::NotForMe;
    };
    match pid.trim().parse::<u32>() {
        Err(_) => {
            return Activation::Refuse(format!("LISTEN_PID={pid:?} is not a process id"));
        }
        Ok(pid) if pid != my_pid => return Activation::NotForMe,
        Ok(_) => {}
    }
    match fds.trim().parse::<u32>() {
        Ok(1) => Activation::UseFd3,
        Ok(count) => Activation::Refuse(format!(
            "LISTEN_FDS={count}, but this server listens on exactly one socket; \
             give the .socket unit a single ListenStream= line"
        )),
        Err(_) => Activation::Refuse(format!(
            "LISTEN_FDS={fds:?} is not a number of sockets; \
             give the .socket unit a single ListenStream= line"
        )),
    }
}
