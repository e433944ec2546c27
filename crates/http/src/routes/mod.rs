//! One module per resource, one handler per action (`<verb>_<resource>`).

pub mod campaigns;
pub mod contacts;
pub mod health;
pub mod invitations;
pub mod me;
pub mod members;
pub mod offices;
pub mod organizations;
pub mod outreach;
pub mod polls;
pub mod reference;
pub mod segments;
pub mod webhooks;
