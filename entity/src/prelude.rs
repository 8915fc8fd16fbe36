pub use super::admin::Entity as Admin;
pub use super::app::Entity as App;
pub use super::casbin_rule::Entity as CasbinRule;
pub use super::revoked_session::Entity as RevokedSession;
pub use super::role::Entity as Role;
pub use super::role_access::Entity as RoleAccess;
pub use super::service::Entity as Service;
