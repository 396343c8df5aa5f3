; Установщик «Личного кабинета жителя» для Windows (Inno Setup 6.3 или новее).
;
; Сборка: сначала программа (pyinstaller --noconfirm --clean build.spec → dist\cabinet),
; затем из корня репозитория:
;     "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" packaging\installer.iss
; Результат: dist\installer\zhk-cabinet-<версия>-setup.exe.
; Другую папку сборки можно указать так: ISCC /DDistDir=C:\path\to\cabinet packaging\installer.iss
;
; Why Inno Setup rather than NSIS: the installer is declarative (sections, not a script
; language), upgrades in place by AppId out of the box, ships an official Russian
; translation, and writes an uninstaller that removes exactly what it installed, so the
; residents' data elsewhere is never at risk. The file is UTF-8 with a BOM so that even
; Inno Setup versions before 6.3 read the Cyrillic right.

#ifndef DistDir
  #define DistDir AddBackslash(SourcePath) + "..\dist\cabinet"
#endif
#define AppExe DistDir + "\cabinet.exe"
#if !FileExists(AppExe)
  #error Нет dist\cabinet\cabinet.exe: сначала соберите программу (pyinstaller --noconfirm --clean build.spec)
#endif
; The version comes from the program itself (build.spec writes desktop.__version__ into
; its version information), so the installer and the program cannot disagree.
#ifndef AppVersion
  #define AppVersion GetStringFileInfo(AppExe, "ProductVersion")
#endif
#define AppNumbers GetVersionNumbersString(AppExe)
#if AppVersion == ""
  #error Не удалось прочитать версию из cabinet.exe
#endif

#define AppName "Личный кабинет жителя"
#define KioskName "Киоск"

[Setup]
; The fixed AppId makes a newer installer upgrade the installed program in place (same
; folder, same uninstaller entry). Never change it. "{{" is an escaped "{".
AppId={{EA99F1AC-F1E1-4835-92F2-3CECEF2F8E38}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
VersionInfoVersion={#AppNumbers}
VersionInfoProductName={#AppName}
VersionInfoDescription=Установка программы «{#AppName}»
; Per machine, into C:\Program Files\zhk-cabinet (an ASCII folder name is easier to type in
; kiosk and shell-launcher settings); needs an administrator.
PrivilegesRequired=admin
DefaultDirName={autopf}\zhk-cabinet
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
UsePreviousAppDir=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Qt 6 needs Windows 10 1809 or newer.
MinVersion=10.0.17763
; A running copy of the program (e.g. on a kiosk) is closed before its files are replaced.
CloseApplications=yes
RestartApplications=no
SetupIconFile=app.ico
UninstallDisplayIcon={app}\cabinet.exe
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
OutputDir=..\dist\installer
OutputBaseFilename=zhk-cabinet-{#AppVersion}-setup
ShowLanguageDialog=no

[Languages]
Name: "russian"; MessagesFile: "compiler:Languages\Russian.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade first removes the previous version's bundle, so that no module or library of
; the old version lingers beside the new one. Only the program's own folders: the residents'
; data and the settings are in %LOCALAPPDATA%\zhk-cabinet and are not touched.
Type: filesandordirs; Name: "{app}\_internal"
Type: filesandordirs; Name: "{app}\licenses"

[Files]
; The whole PyInstaller folder: cabinet.exe, cabinet-cli.exe, _internal\ and licenses\
; (Qt's LGPL with a notice on replacing Qt, the PT Sans licence and every other component's).
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\cabinet.exe"; WorkingDir: "{app}"; Comment: "Личный кабинет жителя и рабочее место офиса"
Name: "{group}\{#KioskName}"; Filename: "{app}\cabinet.exe"; Parameters: "--kiosk"; WorkingDir: "{app}"; Comment: "Личный кабинет жителя в режиме киоска"
Name: "{group}\Лицензии"; Filename: "{app}\licenses"; Comment: "Лицензии программы и входящих в неё компонентов"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\cabinet.exe"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\cabinet.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

; There is deliberately no [UninstallDelete] section. The uninstaller removes only what this
; installer put into {app} and the Start menu; the databases, settings.toml, window state
; and logs live in the users' own %LOCALAPPDATA%\zhk-cabinet (platformdirs) and stay, so a
; reinstall or an upgrade finds the office's data where it was.
