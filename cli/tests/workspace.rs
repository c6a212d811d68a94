//! The web workspace (`vrs ui`) in a real browser: headless Chromium over WebDriver,
//! against `vrs ui` run on the example federation (its nodes in-process, its scenario
//! run by `deploy/run-local-federation.sh`), asserting on what a person sees.

mod common;

use common::browser::{Browser, Workspace, raw};
use common::federation::Federation;

mod workspace {
    pub mod auditor;
    pub mod demo;
    pub mod directory;
    pub mod focal;
    pub mod operator;
    pub mod secretariat;
    pub mod security;
}
